-- The workload whose change events records.jsonl holds. record.sh runs it on a
-- fresh database with psql (ON_ERROR_STOP, autocommit): the part above the
-- "streaming" marker line before the connector starts (its rows arrive as
-- snapshot reads, op "r"), the part below once the connector is streaming.
-- Values are literals (no now(), no random()) so every run writes the same data.
--
-- The publication Debezium creates covers all tables, so a table without a
-- primary key and with REPLICA IDENTITY DEFAULT (no_pk) only takes inserts:
-- PostgreSQL refuses to update or delete its rows.

CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');

CREATE TABLE all_types (
  id              integer PRIMARY KEY,
  c_smallint      smallint,
  c_int           integer,
  c_bigint        bigint,
  c_numeric       numeric(10, 3),
  c_numeric_free  numeric,
  c_real          real,
  c_double        double precision,
  c_bool          boolean,
  c_text          text,
  c_varchar       varchar(20),
  c_char          char(5),
  c_bytea         bytea,
  c_date          date,
  c_time          time,
  c_time3         time(3),
  c_timetz        timetz,
  c_timestamp     timestamp,
  c_timestamp3    timestamp(3),
  c_timestamptz   timestamptz,
  c_interval      interval,
  c_uuid          uuid,
  c_json          json,
  c_jsonb         jsonb,
  c_int_array     integer[],
  c_text_array    text[],
  c_enum          mood
);

-- Row 1: ordinary values. Row 2: limits, empty values, negative and pre-1970
-- times, characters JSON must escape. Row 3: NULL in every column but the key.
INSERT INTO all_types VALUES
  (1, 42, 123456, 9876543210, 1234.567, 3.14159265358979323846, 1.5, 2.718281828459045,
   true, 'hello, world', 'varchar ✓', 'ab', '\xdeadbeef',
   '2024-02-29', '13:45:30.123456', '13:45:30.123', '13:45:30.5+02',
   '2024-02-29 13:45:30.123456', '2024-02-29 13:45:30.123', '2024-02-29 13:45:30.123456+02',
   '1 year 2 months 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
   '{"b": 1, "a": [1, 2]}', '{"b": 1, "a": [1, 2]}', '{1,2,3}', '{"x","y z",""}', 'happy'),
  (2, -32768, -2147483648, 9223372036854775807, -9999999.999, -12345678901234567890.123456789, -3.4e38, 1e-300,
   false, E'tab\tnew\nline "q" \\ é 日本 😀 <&>', '', 'x', '\x',
   '1969-12-31', '00:00:00', '23:59:59.999', '23:59:59.999999-11:30',
   '1969-12-31 23:59:59.999999', '0001-01-01 00:00:00', '1970-01-01 00:00:00+00',
   '-1 days -00:00:01', '00000000-0000-0000-0000-000000000000',
   '[]', '{}', '{}', '{"with \"quote\"",NULL}', 'sad'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE SCHEMA shop;
CREATE TABLE shop.composite_pk (
  tenant  text,
  id      integer,
  qty     integer NOT NULL,
  note    varchar(50),
  PRIMARY KEY (tenant, id)
);
INSERT INTO shop.composite_pk VALUES ('acme', 1, 10, 'first'), ('acme', 2, 20, NULL), ('globex', 1, 5, 'x');

CREATE TABLE replica_full (
  id      integer PRIMARY KEY,
  name    text NOT NULL,
  amount  numeric(8, 2),
  since   date
);
ALTER TABLE replica_full REPLICA IDENTITY FULL;
INSERT INTO replica_full VALUES (1, 'one', 10.50, '2020-01-01'), (2, 'two', NULL, '2021-06-15');

CREATE TABLE no_pk (a integer, b text);
INSERT INTO no_pk VALUES (1, 'first'), (2, NULL);

CREATE TABLE no_pk_full (a integer, b text);
ALTER TABLE no_pk_full REPLICA IDENTITY FULL;
INSERT INTO no_pk_full VALUES (1, 'kept'), (2, 'gone');

CREATE TABLE evolving (id integer PRIMARY KEY, name text);
INSERT INTO evolving VALUES (1, 'before alter');

CREATE TABLE batch (id integer PRIMARY KEY, grp integer NOT NULL, label text);

CREATE TABLE truncated (id integer PRIMARY KEY, v text);
INSERT INTO truncated VALUES (1, 'a'), (2, 'b');

-- Column defaults as the schemas show them: literals, casts, and
-- expressions (a sequence, now(), gen_random_uuid()) that have no value
-- until a row is written.
CREATE TABLE defaults (
  id       serial PRIMARY KEY,
  n_int    integer DEFAULT -1,
  n_big    bigint NOT NULL DEFAULT 9223372036854775807,
  n_small  smallint DEFAULT 3,
  n_num    numeric(6, 2) DEFAULT 1.5,
  n_real   real DEFAULT 2.5,
  n_double double precision DEFAULT '1e-3',
  b        boolean NOT NULL DEFAULT true,
  t        text DEFAULT 'it''s',
  vc       varchar(10) DEFAULT 'vc',
  ch       char(3) DEFAULT 'c',
  d        date DEFAULT '2020-02-29',
  tm       time DEFAULT '12:34:56.789',
  ts       timestamp DEFAULT '2020-02-29 12:34:56.789',
  tstz     timestamptz DEFAULT now(),
  iv       interval DEFAULT '1 day 02:00:00',
  u        uuid DEFAULT gen_random_uuid(),
  j        jsonb DEFAULT '{"k": 1}',
  m        mood DEFAULT 'ok',
  arr      integer[] DEFAULT '{1,2}',
  by       bytea DEFAULT '\x0102'
);
INSERT INTO defaults (tstz, u) VALUES ('2020-02-29 12:34:56+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');

-- Types beyond the common ones: bit strings, point, ranges, hstore, and the
-- geometric types Debezium has no mapping for, which it writes as the bytes
-- of their text with include.unknown.datatypes=true (record.sh sets it).
CREATE EXTENSION hstore;
CREATE TABLE more_types (
  id           integer PRIMARY KEY,
  c_bit1       bit(1),
  c_bit        bit(10),
  c_varbit     bit varying(20),
  c_point      point,
  c_int4range  int4range,
  c_int8range  int8range,
  c_numrange   numrange,
  c_tsrange    tsrange,
  c_tstzrange  tstzrange,
  c_daterange  daterange,
  c_hstore     hstore,
  c_box        box,
  c_circle     circle,
  c_line       line,
  c_lseg       lseg,
  c_path       path,
  c_polygon    polygon
);
INSERT INTO more_types VALUES
  (1, B'1', B'1010000001', B'101', '(1.5,-2)', '[1,5)', '(,100]', '[1.5,2.25]',
   '[2024-01-01 10:00,2024-01-02)', '[2024-01-01 10:00+02,)', '[2024-01-01,2024-02-01)',
   'a=>1, "b c"=>"x\"y", n=>NULL, "é"=>"日本", key10=>v, key2=>"<&>"', '((1,2),(3,4))', '<(1,2),3>', '{1,-1,0}',
   '[(0,0),(1.5,2)]', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(1,0))'),
  (2, B'0', B'0000000000', B'', '(0,1e20)', 'empty', '[-9223372036854775808,0]', '(,)',
   'empty', '(,2000-01-01 00:00+00]', '[2024-02-29,2024-02-29]',
   '', '((0,0),(0,0))', '<(0,0),0.001>', '{0,1,-2.5}', '[(1e-5,0),(0,0)]', '((0,0))', '((1,1))'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- Values TOAST keeps out of line (STORAGE EXTERNAL, a tuple target of 128
-- bytes): an update that leaves them alone sends them as unchanged, which
-- Debezium writes as its placeholder under REPLICA IDENTITY DEFAULT and
-- fills from the old row under FULL.
CREATE TABLE toasted (id integer PRIMARY KEY, n integer, body text, blob bytea, doc jsonb, tags text[])
  WITH (toast_tuple_target = 128);
CREATE TABLE toasted_full (id integer PRIMARY KEY, n integer, body text, blob bytea, doc jsonb, tags text[])
  WITH (toast_tuple_target = 128);
ALTER TABLE toasted ALTER COLUMN body SET STORAGE EXTERNAL, ALTER COLUMN blob SET STORAGE EXTERNAL,
  ALTER COLUMN doc SET STORAGE EXTERNAL, ALTER COLUMN tags SET STORAGE EXTERNAL;
ALTER TABLE toasted_full ALTER COLUMN body SET STORAGE EXTERNAL, ALTER COLUMN blob SET STORAGE EXTERNAL,
  ALTER COLUMN doc SET STORAGE EXTERNAL, ALTER COLUMN tags SET STORAGE EXTERNAL;
ALTER TABLE toasted_full REPLICA IDENTITY FULL;

-- The 10,000-row transaction.
CREATE TABLE big_tx (id integer PRIMARY KEY, grp integer NOT NULL);

-- record.sh stops waiting when this table's row arrives: keep it last.
CREATE TABLE golden_end (id integer PRIMARY KEY);

-- ==== streaming ====

-- The same three rows again, now through pgoutput rather than the snapshot's
-- SELECT: both paths must encode every type alike.
INSERT INTO all_types SELECT id + 100, c_smallint, c_int, c_bigint, c_numeric, c_numeric_free, c_real,
  c_double, c_bool, c_text, c_varchar, c_char, c_bytea, c_date, c_time, c_time3, c_timetz, c_timestamp,
  c_timestamp3, c_timestamptz, c_interval, c_uuid, c_json, c_jsonb, c_int_array, c_text_array, c_enum
  FROM all_types WHERE id = 1;
INSERT INTO all_types SELECT id + 100, c_smallint, c_int, c_bigint, c_numeric, c_numeric_free, c_real,
  c_double, c_bool, c_text, c_varchar, c_char, c_bytea, c_date, c_time, c_time3, c_timetz, c_timestamp,
  c_timestamp3, c_timestamptz, c_interval, c_uuid, c_json, c_jsonb, c_int_array, c_text_array, c_enum
  FROM all_types WHERE id = 2;
INSERT INTO all_types (id) VALUES (103);
-- REPLICA IDENTITY DEFAULT: no before image on update, only the key on delete.
UPDATE all_types SET c_int = 7, c_text = 'updated', c_numeric = 0.001, c_jsonb = '{"n": null}', c_enum = 'ok',
  c_timestamptz = '2030-12-31 23:59:59.999999-08' WHERE id = 1;
UPDATE all_types SET c_text = NULL WHERE id = 101;
DELETE FROM all_types WHERE id = 102;

INSERT INTO shop.composite_pk VALUES ('globex', 2, 7, 'new');
UPDATE shop.composite_pk SET qty = qty + 1 WHERE tenant = 'acme' AND id = 1;
-- A primary-key change: Debezium writes a delete, a tombstone and a create.
UPDATE shop.composite_pk SET id = 3, note = 'moved' WHERE tenant = 'acme' AND id = 2;
DELETE FROM shop.composite_pk WHERE tenant = 'globex' AND id = 2;

-- REPLICA IDENTITY FULL: before images on update and delete.
UPDATE replica_full SET name = 'uno' WHERE id = 1;
UPDATE replica_full SET amount = 99.99 WHERE id = 2;
DELETE FROM replica_full WHERE id = 1;
INSERT INTO replica_full VALUES (3, 'three', 0.01, NULL);
UPDATE replica_full SET id = 4 WHERE id = 3;

INSERT INTO no_pk VALUES (3, 'streamed'), (NULL, NULL);

UPDATE no_pk_full SET b = 'changed' WHERE a = 1;
DELETE FROM no_pk_full WHERE a = 2;

-- A multi-row transaction over two tables: one txId, one commit LSN.
BEGIN;
INSERT INTO batch SELECT g, g % 3, 'row ' || g FROM generate_series(1, 50) AS g;
UPDATE batch SET label = label || ' updated' WHERE id % 10 = 0;
DELETE FROM batch WHERE id > 45;
INSERT INTO shop.composite_pk VALUES ('initech', 1, 1, 'in batch');
COMMIT;

-- Schema changes mid-stream: pgoutput sends a new Relation message and the
-- value schema gains the column (optional, with its default where it has one).
INSERT INTO evolving VALUES (2, 'before alter, streamed');
ALTER TABLE evolving ADD COLUMN score integer DEFAULT 7;
INSERT INTO evolving VALUES (3, 'after alter', 42);
UPDATE evolving SET name = 'updated after alter' WHERE id = 1;
ALTER TABLE evolving ADD COLUMN tags text[] NOT NULL DEFAULT '{a}';
INSERT INTO evolving (id, name) VALUES (4, 'second alter');

INSERT INTO truncated VALUES (3, 'c');
TRUNCATE truncated;
INSERT INTO truncated VALUES (4, 'after truncate');

INSERT INTO defaults (tstz, u) VALUES ('2021-03-01 00:00:00+00', '00000000-0000-0000-0000-000000000001');

-- bit strings, point, ranges, hstore and the unmapped geometric types
-- through pgoutput.
INSERT INTO more_types SELECT id + 100, c_bit1, c_bit, c_varbit, c_point, c_int4range, c_int8range, c_numrange,
  c_tsrange, c_tstzrange, c_daterange, c_hstore, c_box, c_circle, c_line, c_lseg, c_path, c_polygon FROM more_types;

-- Rows with values stored out of line, then updates that leave them as they are.
INSERT INTO toasted VALUES (1, 1, repeat('text ', 120), decode(repeat('00ff', 300), 'hex'),
  ('{"k": "' || repeat('j', 600) || '"}')::jsonb, ARRAY[repeat('t', 600), 'short']);
INSERT INTO toasted_full SELECT * FROM toasted;
UPDATE toasted SET n = 2 WHERE id = 1;
UPDATE toasted_full SET n = 2 WHERE id = 1;
UPDATE toasted SET n = 3, body = 'changed' WHERE id = 1;
UPDATE toasted_full SET n = 3, body = 'changed' WHERE id = 1;
DELETE FROM toasted WHERE id = 1;
DELETE FROM toasted_full WHERE id = 1;

-- One transaction of 10,000 rows.
INSERT INTO big_tx SELECT g, g % 7 FROM generate_series(1, 10000) AS g;

INSERT INTO golden_end VALUES (1);
