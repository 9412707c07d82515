-- frugal-ai ledger, schema version 1. Activity data only (never prompts, responses, keys or headers).
-- Times are UTC seconds since the epoch (REAL); tags are a JSON object of strings.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    id        TEXT PRIMARY KEY,
    parent_id TEXT,
    name      TEXT NOT NULL,
    project   TEXT NOT NULL,
    tags      TEXT NOT NULL DEFAULT '{}',
    start     REAL NOT NULL,
    "end"     REAL NOT NULL,
    status    TEXT NOT NULL,          -- ok | failed
    host      TEXT NOT NULL DEFAULT '',
    pid       INTEGER NOT NULL DEFAULT 0,
    zone      TEXT,                   -- electricity zone where it ran (NULL: none configured)
    method    TEXT NOT NULL,          -- e.g. rapl+ram_model, tdp_fallback+ram_model, unavailable
    cpu_kwh   REAL NOT NULL DEFAULT 0,
    gpu_kwh   REAL NOT NULL DEFAULT 0,
    ram_kwh   REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_start ON runs (start);
CREATE INDEX IF NOT EXISTS runs_name ON runs (name);

CREATE TABLE IF NOT EXISTS api_calls (
    id               TEXT PRIMARY KEY,
    run_id           TEXT,
    name             TEXT,            -- innermost enclosing run's name, NULL outside any run
    project          TEXT NOT NULL,
    tags             TEXT NOT NULL DEFAULT '{}',
    start            REAL NOT NULL,
    "end"            REAL NOT NULL,
    status           TEXT NOT NULL,   -- ok | failed | partial
    provider         TEXT NOT NULL,
    model            TEXT NOT NULL,
    input_tokens     INTEGER NOT NULL DEFAULT 0,
    output_tokens    INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    latency_s        REAL,
    host             TEXT NOT NULL DEFAULT '',
    path             TEXT NOT NULL DEFAULT '',
    http_status      INTEGER,
    local            INTEGER NOT NULL DEFAULT 0,
    source           TEXT NOT NULL DEFAULT 'capture'
);
CREATE INDEX IF NOT EXISTS api_calls_start ON api_calls (start);
CREATE INDEX IF NOT EXISTS api_calls_name ON api_calls (name);
CREATE INDEX IF NOT EXISTS api_calls_run ON api_calls (run_id);
