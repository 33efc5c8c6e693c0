-- A row of every key column type the incremental snapshot keys are
-- checked for; PgKeys.java and TestJavaKeysAsPgJDBC read it.
DROP TABLE IF EXISTS kconnect_keytypes;
CREATE TABLE kconnect_keytypes (
  a int2, b int4, c int8, d numeric(10,3), e numeric, f text, g varchar(10), h char(3), i bool,
  j float4, k float8, l uuid, m timestamp, n timestamptz, o time, p oid, q int4, r numeric
);
INSERT INTO kconnect_keytypes VALUES
  (5, 5, 5, 12.5, -123456789012345678901234567890.5, 'x''y', 'é😀', 'ab', true,
   1.25, -0.1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+00',
   '23:59:59.5', 4000000000, 300, 0.00),
  (-32768, 2147483647, -9223372036854775808, 0, 16, '', 'z', 'c  ', false,
   'Infinity', 1e300, '00000000-0000-0000-0000-000000000000', '1999-12-31 23:59:59', '1970-01-01 00:00:00+00',
   '00:00:00', 0, -128, -1.6);
