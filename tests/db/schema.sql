-- The test database: one table per kind of check the db tests make.
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    confirmed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE types (
    i2 smallint, i4 integer, i8 bigint, f8 double precision, num numeric, big numeric,
    flag boolean, label text, doc jsonb, tags text[], nums integer[], at timestamptz, day date, nothing text
);
INSERT INTO types VALUES (
    -2, 42, 9007199254740993, 1.5, 12.25, 123456789012345678901234567890.5,
    true, 'hello', '{"a": [1, 2], "b": null}', '{x,"y z",NULL}', '{1,2,3}',
    '2026-11-29 01:15:07.123+00', '2026-11-29', NULL
);
CREATE TABLE reports (name text PRIMARY KEY, refreshed_at timestamptz);
INSERT INTO reports VALUES ('fresh', now()), ('stale', now() - interval '8 days'), ('never', NULL);
GRANT SELECT ON ALL TABLES IN SCHEMA public TO canary;
