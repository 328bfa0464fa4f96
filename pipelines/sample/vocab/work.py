"""BetterBox as an employer: departments, job titles, vacancies, why applicants were turned down."""

from __future__ import annotations

# (department, job titles in it, weight)
DEPARTMENTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Customer Service", ("Customer Service Advisor", "Team Leader", "Complaints Handler"), 30),
    ("Sales", ("Sales Executive", "Business Account Manager", "Telesales Advisor"), 18),
    ("Field Engineering", ("Field Engineer", "Installation Engineer", "Engineering Manager"), 15),
    ("Network Operations", ("Network Engineer", "NOC Analyst"), 8),
    ("Retail", ("Store Assistant", "Store Manager"), 10),
    ("Warehouse", ("Warehouse Operative", "Logistics Coordinator"), 7),
    ("Marketing", ("Marketing Executive", "CRM Manager", "Content Designer"), 5),
    ("Finance", ("Finance Assistant", "Credit Controller", "Management Accountant"), 4),
    ("People", ("HR Advisor", "Recruiter"), 2),
    ("IT", ("IT Support Analyst", "Developer", "Data Protection Officer"), 3),
)
VACANCIES: tuple[str, ...] = (
    "Customer Service Advisor",
    "Customer Service Advisor (part time)",
    "Telesales Advisor",
    "Sales Executive - Business",
    "Field Engineer - Milton Keynes",
    "Field Engineer - Bedford",
    "Installation Engineer",
    "Network Engineer",
    "Store Assistant - Milton Keynes",
    "Warehouse Operative (nights)",
    "Marketing Executive",
    "Finance Assistant",
    "IT Support Analyst",
    "Apprentice Engineer",
)
REJECTION_REASONS: tuple[str, ...] = (
    "Not enough experience for the role",
    "Position filled",
    "Position filled by an internal candidate",
    "Did not attend the interview",
    "Unsuccessful at telephone interview",
    "Unsuccessful at assessment centre",
    "No full UK driving licence (required)",
    "Salary expectations above the band",
    "Could not work the shift pattern",
    "Vacancy withdrawn",
    "Better qualified candidates shortlisted",
    "Failed the technical test",
)
