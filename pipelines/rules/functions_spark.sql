-- Engine-specific helpers the rule SQL calls (Spark SQL): the same functions as
-- functions_duckdb.sql, with the same meaning; tests/test_spark_parity.py runs both.
-- One statement per `;`-ended block (Spark runs one statement at a time).

-- Luhn check of a string of digits (Spark's lambda index counts from 0, DuckDB's from 1).
create or replace temporary function luhn_valid(digits string) returns boolean return
    aggregate(transform(split(reverse(digits), ''), (ch, i) ->
        case when i % 2 = 1
             then 2 * cast(ch as int) - case when cast(ch as int) >= 5 then 9 else 0 end
             else cast(ch as int) end), 0, (total, x) -> total + x) % 10 = 0;

-- A card scheme's prefix and length (uk-rules.md): Visa, Mastercard, Amex, Discover, JCB, Diners.
create or replace temporary function card_scheme(digits string) returns string return
    case
        when digits like '4%' and length(digits) in (13, 16, 19) then 'Visa'
        when length(digits) = 16 and (cast(left(digits, 2) as int) between 51 and 55
             or cast(left(digits, 4) as int) between 2221 and 2720) then 'Mastercard'
        when length(digits) = 15 and left(digits, 2) in ('34', '37') then 'American Express'
        when length(digits) between 16 and 19 and (left(digits, 4) = '6011'
             or cast(left(digits, 3) as int) between 644 and 649
             or left(digits, 2) = '65') then 'Discover'
        when length(digits) between 16 and 19
             and cast(left(digits, 4) as int) between 3528 and 3589 then 'JCB'
        when length(digits) between 14 and 19 and (cast(left(digits, 3) as int) between 300 and 305
             or left(digits, 2) = '36') then 'Diners Club'
    end;

-- The local calendar date of an instant (the session's time zone is UTC).
create or replace temporary function local_date(ts timestamp, zone string) returns date return
    to_date(from_utc_timestamp(ts, zone));

-- The wall-clock time an instant shows in a zone.
create or replace temporary function local_time(ts timestamp, zone string) returns timestamp return
    from_utc_timestamp(ts, zone);

-- The instant a wall-clock time names in a zone, as DuckDB's timezone() gives it: Java takes the
-- earlier of the two instants in the hour a clock goes back, DuckDB (ICU) the later; in the hour
-- it skips both move the time on by the gap. (A 30-minute change, Lord Howe's, is not handled.)
create or replace temporary function local_instant(ts timestamp, zone string) returns timestamp
    return case
        when from_utc_timestamp(to_utc_timestamp(ts, zone) + interval 1 hour, zone) = ts
        then to_utc_timestamp(ts, zone) + interval 1 hour
        else to_utc_timestamp(ts, zone) end;

-- The last day of the financial year a local date falls in (the year ends on fy_month/fy_day).
create or replace temporary function fy_end(day date, fy_month int, fy_day int) returns date return
    case when day <= make_date(year(day), fy_month, fy_day)
         then make_date(year(day), fy_month, fy_day)
         else make_date(year(day) + 1, fy_month, fy_day) end;

-- A deadline that falls on a Saturday or Sunday moves to the Monday (Spark: Sunday is 1).
create or replace temporary function next_working_day(day date) returns date return
    case dayofweek(day) when 7 then date_add(day, 2) when 1 then date_add(day, 1) else day end;

-- DuckDB's built-ins the rules use that Spark names otherwise.
-- to_days(n), to_months(n), to_years(n): an interval of n days, months or years, to add to a
-- date or an instant.
create or replace temporary function to_days(n bigint) returns interval day to second return
    make_dt_interval(n);

create or replace temporary function to_months(n bigint) returns interval year to month return
    make_ym_interval(0, n);

create or replace temporary function to_years(n bigint) returns interval year to month return
    make_ym_interval(n, 0);

-- regexp_full_match(text, pattern): the pattern matches the whole text (\z: the very end, where
-- Java's $ would also match before a final line break).
create or replace temporary function regexp_full_match(value string, pattern string)
    returns boolean return value rlike concat('^(?:', pattern, ')\\z');
