-- Sluice quickstart: builds small tables from built-in data, then joins, aggregates
-- and uses window functions. Run with `make run` (or: build/release/sluice < examples/quickstart.sql).

CREATE TABLE stations AS
SELECT * FROM (VALUES
    (1, 'Amsterdam Centraal', 'NL'),
    (2, 'Rotterdam Centraal', 'NL'),
    (3, 'Antwerpen-Centraal', 'BE'),
    (4, 'Bruxelles-Midi', 'BE'),
    (5, 'Paris Nord', 'FR')
) AS t(station_id, name, country);

-- A day of synthetic departures: one every 7 minutes, generated from a series.
CREATE TABLE departures AS
SELECT
    n AS departure_id,
    (n % 5) + 1 AS station_id,
    TIMESTAMP '2026-11-25 05:00:00' + n * INTERVAL '7 minutes' AS departs_at,
    CAST((n * 37) % 23 AS INTEGER) AS delay_minutes,
    CAST(100 + (n * 53) % 400 AS INTEGER) AS passengers
FROM generate_series(0, 199) AS g(n);

.print '-- Busiest stations (join + aggregate)'
SELECT s.name, s.country, count(*) AS departures, sum(d.passengers) AS passengers,
       round(avg(d.delay_minutes), 2) AS avg_delay
FROM departures d JOIN stations s USING (station_id)
GROUP BY s.name, s.country
ORDER BY passengers DESC;

.print '-- Passengers per hour and country (date_trunc + grouping)'
SELECT date_trunc('hour', departs_at) AS hour, country, sum(passengers) AS passengers
FROM departures JOIN stations USING (station_id)
WHERE departs_at < TIMESTAMP '2026-11-25 09:00:00'
GROUP BY 1, 2
ORDER BY hour, country;

.print '-- Worst delays per country (window functions)'
SELECT country, name, departs_at, delay_minutes, rank
FROM (
    SELECT s.country, s.name, d.departs_at, d.delay_minutes,
           rank() OVER (PARTITION BY s.country ORDER BY d.delay_minutes DESC, d.departs_at) AS rank
    FROM departures d JOIN stations s ON s.station_id = d.station_id
) ranked
WHERE rank <= 2
ORDER BY country, rank;

.print '-- Running passenger total at Amsterdam (window frame)'
SELECT departs_at, passengers,
       sum(passengers) OVER (ORDER BY departs_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_total
FROM departures
WHERE station_id = 1
ORDER BY departs_at
LIMIT 8;
