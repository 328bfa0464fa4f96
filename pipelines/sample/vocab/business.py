"""CRM and shop vocabulary: job titles, owners, lead statuses, notes, products, delivery."""

from __future__ import annotations

JOB_TITLES: tuple[str, ...] = (
    "Office Manager",
    "Director",
    "Owner",
    "IT Manager",
    "Practice Manager",
    "Accountant",
    "Teacher",
    "Nurse",
    "Student",
    "Retired",
    "Operations Manager",
    "Sole Trader",
)
CONTACT_OWNERS: tuple[str, ...] = (
    "Priya Shah",
    "Tom Hughes",
    "Gemma Lloyd",
    "Marcus Bell",
    "Hannah Okoro",
)
LEAD_STATUSES: tuple[str, ...] = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
CRM_NOTES: tuple[str, ...] = (
    "Prefers email contact",
    "Called about broadband upgrade",
    "Asked for paper bills\nSent sample bill by post",
    "Moved house – updated address",
    "Interested in business lines for new office",
    "Complained about router dropouts\nEscalated to 2nd line\nResolved, new router sent",
    "Do not call before 10am",
    "Existing customer, renewal due in spring",
    "Referred by a friend",
    "Wants a quote for 5 SIM only plans",
)

# (sku, name, price, compare at price, requires shipping, vendor)
PRODUCTS: tuple[tuple[str, str, str, str, bool, str], ...] = (
    ("BBX-SIM-05-12", "SIM Only 5GB - 12 month plan", "6.00", "", True, "BetterBox"),
    ("BBX-SIM-30-12", "SIM Only 30GB - 12 month plan", "10.00", "12.00", True, "BetterBox"),
    ("BBX-SIM-100-24", "SIM Only 100GB - 24 month plan", "15.00", "", True, "BetterBox"),
    ("BBX-SIM-UNL-24", "SIM Only Unlimited - 24 month plan", "22.00", "25.00", True, "BetterBox"),
    ("SAM-A25-128-BLK", "Samsung Galaxy A25 5G 128GB Black", "229.00", "249.00", True, "Samsung"),
    ("APL-IP13-128-MID", "Apple iPhone 13 128GB Midnight", "499.00", "", True, "Apple"),
    ("GGL-PX8A-128-OBS", "Google Pixel 8a 128GB Obsidian", "399.00", "499.00", True, "Google"),
    ("NOK-G42-128-GRY", "Nokia G42 5G 128GB Grey", "149.00", "", True, "HMD"),
    ("DOR-8100-GRA", "Doro 8100 Graphite", "119.99", "", True, "Doro"),
    ("BBX-HUB2", "BetterBox Fibre Hub 2 router", "79.99", "", True, "BetterBox"),
    ("TPL-DECO-X20-2", "TP-Link Deco X20 Mesh WiFi (2-pack)", "129.99", "149.99", True, "TP-Link"),
    ("BBX-4G-RTR", "4G Home Broadband Router", "69.99", "", True, "BetterBox"),
    ("JAB-EV2-30-UC", "Jabra Evolve2 30 USB-C Stereo headset", "89.99", "", True, "Jabra"),
    ("POL-BW3320-A", "Poly Blackwire 3320 USB-A headset", "49.99", "", True, "Poly"),
    ("YEA-UH34-DT", "Yealink UH34 Dual Teams headset", "59.99", "", True, "Yealink"),
    ("ACC-CHG-25W", "USB-C 25W fast charger", "19.99", "", True, "BetterBox"),
    ("ACC-SCR-GLASS", "Tempered glass screen protector", "9.99", "", True, "BetterBox"),
    ("BBX-INSTALL", "Broadband engineer installation", "49.99", "", False, "BetterBox"),
    ("BBX-INS-12", "Handset insurance - 12 months", "59.88", "", False, "BetterBox"),
)

# (shipping method, price)
SHIPPING_METHODS: tuple[tuple[str, str], ...] = (
    ("Royal Mail Tracked 48", "3.99"),
    ("Royal Mail Tracked 24", "4.99"),
    ("DPD Next Day", "6.99"),
    ("Free UK delivery", "0.00"),
    ("Click & Collect - Milton Keynes", "0.00"),
)
DISCOUNT_CODES: tuple[tuple[str, int], ...] = (
    ("WELCOME10", 10),
    ("SPRING5", 5),
    ("BLACKFRIDAY20", 20),
    ("LOYAL15", 15),
)
ORDER_NOTES: tuple[str, ...] = (
    "Please leave with neighbour at no. 12",
    "Deliver after 5pm\nRing the bell twice",
    "Gift - please don't include the receipt",
    "Business address, open 9-5 Mon-Fri",
    "Please call before delivery",
)
NOTE_ATTRIBUTES: tuple[str, ...] = (
    "gift_wrap: no",
    "delivery_instructions: Leave in porch\nbuzzer broken",
    "referral: google",
    "install_slot: AM",
)
STORE_STAFF: tuple[str, ...] = ("Sam Carter", "Aisha Begum", "Luke Pearson")
