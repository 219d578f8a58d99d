#ifndef TCPLAB_EXP_SCHEMA_H
#define TCPLAB_EXP_SCHEMA_H

/*
 * The campaign database's tables (docs/exp-schema.md describes every column). Rates are
 * bit/s, times in the unit their name ends with (_s, _ms, _ns), sizes in bytes.
 */
#define TL_EXP_SCHEMA_SQL \
"CREATE TABLE campaign (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL,\n" \
"  title TEXT, command TEXT, version TEXT, host TEXT, kernel TEXT, cpus INTEGER,\n" \
"  testbed TEXT, created_unix REAL, state TEXT);\n" \
"CREATE TABLE points (point INTEGER PRIMARY KEY, rate TEXT, rate_bps INTEGER, rtt TEXT,\n" \
"  rtt_max_ms REAL, senders INTEGER, buffer TEXT, buffer_bdp REAL, buffer_bytes INTEGER,\n" \
"  aqm TEXT, aqm_kind TEXT, loss TEXT, cc TEXT, flows INTEGER, rcvbuf TEXT,\n" \
"  rcvbuf_bytes INTEGER, window_clamp TEXT, window_clamp_bytes INTEGER, duration_s REAL,\n" \
"  warmup_s REAL);\n" \
"CREATE TABLE runs (point INTEGER NOT NULL REFERENCES points, rep INTEGER NOT NULL,\n" \
"  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), reason TEXT,\n" \
"  started_unix REAL, seconds REAL, PRIMARY KEY (point, rep));\n" \
"CREATE TABLE flows (point INTEGER, rep INTEGER, flow INTEGER, sender INTEGER, cc TEXT,\n" \
"  rtt_ms REAL, bytes INTEGER, bps REAL, retransmits INTEGER, rcvbuf INTEGER,\n" \
"  srtt_ms REAL, stalled INTEGER, failed INTEGER, tcp_info TEXT,\n" \
"  PRIMARY KEY (point, rep, flow));\n" \
"CREATE TABLE intervals (point INTEGER, rep INTEGER, flow INTEGER, k INTEGER,\n" \
"  start_s REAL, end_s REAL, bytes INTEGER, bps REAL, rtt_us INTEGER, cwnd INTEGER,\n" \
"  retransmits INTEGER, PRIMARY KEY (point, rep, flow, k));\n" \
"CREATE TABLE queue (point INTEGER, rep INTEGER, t_s REAL, backlog_bytes INTEGER,\n" \
"  backlog_pkts INTEGER, sojourn_p50_ms REAL, sojourn_p99_ms REAL, sojourn_max_ms REAL,\n" \
"  out_bps REAL, drops INTEGER, marks INTEGER, samples INTEGER,\n" \
"  PRIMARY KEY (point, rep, t_s));\n" \
"CREATE TABLE latency (point INTEGER, rep INTEGER, lo_ns INTEGER, hi_ns INTEGER,\n" \
"  count INTEGER, PRIMARY KEY (point, rep, lo_ns));\n" \
"CREATE TABLE groups (point INTEGER, rep INTEGER, kind TEXT, name TEXT, flows INTEGER,\n" \
"  bps REAL, share REAL, PRIMARY KEY (point, rep, kind, name));\n" \
"CREATE TABLE metrics (point INTEGER, rep INTEGER, goodput_bps REAL, utilisation REAL,\n" \
"  jain REAL, cc_share REAL, cc_ratio REAL, rtt_ratio REAL, qdelay_p50_ms REAL, qdelay_p99_ms REAL,\n" \
"  drops INTEGER, marks INTEGER, retransmits INTEGER, latency_p50_ms REAL,\n" \
"  latency_p99_ms REAL, PRIMARY KEY (point, rep));\n"

/*
 * Version 1 files lack campaign.state; opening one for writing adds it (NULL: not known).
 * Version 2 writes 'running' when a run starts, 'interrupted' after a Ctrl-C (or SIGTERM),
 * 'finished' once every run of the order was made (failed runs included).
 */
#define TL_EXP_SCHEMA_V1_TO_V2 "ALTER TABLE campaign ADD COLUMN state TEXT;\n"

/* The tables that hold a run's rows, in the order a run is deleted and merged. */
#define TL_EXP_RUN_TABLES { "flows", "intervals", "queue", "latency", "groups", "metrics", "runs" }
#define TL_EXP_RUN_TABLE_COUNT 7

#endif
