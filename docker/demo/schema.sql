-- The demo app's database (database "demo", owned by the app's user).
-- The canary user telltale connects as may only read.
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    confirm_token text UNIQUE,
    confirmed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE reset_tokens (
    token text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Mail waits here until the mailer thread has handed it to the MTA.
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    to_addr text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now(),
    next_try timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    sent_at timestamptz
);
-- Filled by the ETL job; the foreign key is what incident 3 violates.
CREATE TABLE activity (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users,
    kind text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, kind)
);
CREATE TABLE projects (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE
);
-- Per-project settings by key; /sync/report writes one, personalization reads it.
CREATE TABLE project_settings (
    project_id bigint NOT NULL REFERENCES projects,
    key text NOT NULL,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, key)
);
-- One row per report, refreshed by the report job.
CREATE TABLE reports (
    name text PRIMARY KEY,
    refreshed_at timestamptz NOT NULL,
    row_count integer NOT NULL
);
GRANT SELECT ON ALL TABLES IN SCHEMA public TO canary;
