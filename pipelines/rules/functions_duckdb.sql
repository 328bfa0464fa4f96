-- Engine-specific helpers the rule SQL calls (DuckDB). A port to another engine rewrites this file.

-- Luhn check of a string of digits.
create or replace macro luhn_valid(digits) as
    list_sum(list_transform(string_split(reverse(digits), ''), lambda ch, i:
        case when i % 2 = 0
             then 2 * cast(ch as integer) - case when cast(ch as integer) >= 5 then 9 else 0 end
             else cast(ch as integer) end)) % 10 = 0;

-- A card scheme's prefix and length (uk-rules.md): Visa, Mastercard, Amex, Discover, JCB, Diners.
create or replace macro card_scheme(digits) as
    case
        when digits like '4%' and length(digits) in (13, 16, 19) then 'Visa'
        when length(digits) = 16 and (cast(left(digits, 2) as integer) between 51 and 55
             or cast(left(digits, 4) as integer) between 2221 and 2720) then 'Mastercard'
        when length(digits) = 15 and left(digits, 2) in ('34', '37') then 'American Express'
        when length(digits) between 16 and 19 and (left(digits, 4) = '6011'
             or cast(left(digits, 3) as integer) between 644 and 649
             or left(digits, 2) = '65') then 'Discover'
        when length(digits) between 16 and 19
             and cast(left(digits, 4) as integer) between 3528 and 3589 then 'JCB'
        when length(digits) between 14 and 19 and (cast(left(digits, 3) as integer) between 300 and 305
             or left(digits, 2) = '36') then 'Diners Club'
    end;

-- The local calendar date of an instant.
create or replace macro local_date(ts, zone) as cast(timezone(zone, ts) as date);

-- The wall-clock time an instant shows in a zone (a timestamp without zone).
create or replace macro local_time(ts, zone) as timezone(zone, ts);

-- The instant a wall-clock time (a timestamp without zone) names in a zone; in the hour a clock
-- goes back the later of the two, in the hour it skips the time one offset earlier (ICU's way).
create or replace macro local_instant(ts, zone) as timezone(zone, ts);

-- The last day of the financial year a local date falls in (the year ends on fy_month/fy_day).
create or replace macro fy_end(day, fy_month, fy_day) as
    case when day <= make_date(year(day), fy_month, fy_day)
         then make_date(year(day), fy_month, fy_day)
         else make_date(year(day) + 1, fy_month, fy_day) end;

-- A deadline that falls on a Saturday or Sunday moves to the Monday.
create or replace macro next_working_day(day) as
    case dayofweek(day) when 6 then day + 2 when 0 then day + 1 else day end;
