#!/usr/bin/env python3
"""Writes golden.txt: the Avro binary encoding of a corpus of Connect values,
computed from the Avro specification's rules (zig-zag varints, little-endian
IEEE floats, length-prefixed strings and bytes, one block then the empty
block for arrays and maps, union branch indexes) and AvroData's mapping
(optional = union with null first, branch 1 for a value; Decimal as the
big-endian two's complement of the unscaled value; Date as days, Time and
Timestamp as milliseconds). It shares no code with the Go encoder.

Run: python3 golden.py > golden.txt
"""
import datetime
import struct


def zz(n):
    u = (n << 1) ^ (n >> 63)
    u &= (1 << 64) - 1
    out = bytearray()
    while u >= 0x80:
        out.append((u & 0x7F) | 0x80)
        u >>= 7
    out.append(u)
    return bytes(out)


def s(x):
    b = x.encode("utf-8")
    return zz(len(b)) + b


def by(b):
    return zz(len(b)) + b


def twos(n):
    length = 1
    while not (-(1 << (8 * length - 1)) <= n < (1 << (8 * length - 1))):
        length += 1
    return n.to_bytes(length, "big", signed=True)


def days(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


cases = [
    ("int32_0", zz(0)),
    ("int32_-1", zz(-1)),
    ("int32_64", zz(64)),
    ("int32_-64", zz(-64)),
    ("int64_max", zz(2**63 - 1)),
    ("int64_min", zz(-(2**63))),
    ("int8_-128", zz(-128)),
    ("float32_1.5", struct.pack("<f", 1.5)),
    ("float64_2.25", struct.pack("<d", 2.25)),
    ("bool_true", b"\x01"),
    ("string_foo", s("foo")),
    ("string_unicode", s("h\u00e9\u20ac")),
    ("bytes_010203", by(b"\x01\x02\x03")),
    ("optional_string_null", zz(0)),
    ("optional_string_x", zz(1) + s("x")),
    ("optional_default_int_5", zz(0) + zz(5)),
    ("decimal_-12345_2", by(twos(-12345))),
    ("decimal_128_0", by(twos(128))),
    ("decimal_0_2", by(twos(0))),
    ("date_2024_03_01", zz(days(2024, 3, 1))),
    ("time_01_02_03_004", zz(3723004)),
    ("timestamp_1700000000123", zz(1700000000123)),
    ("array_a_b", zz(2) + s("a") + s("b") + zz(0)),
    ("array_empty", zz(0)),
    ("map_k_1", zz(1) + s("k") + zz(1) + zz(0)),
    ("intmap_5_five", zz(1) + zz(5) + s("five") + zz(0)),
    ("struct_id42_nameab_notenull_qty1", zz(42) + s("ab") + zz(0) + zz(1)),
    ("enum_GREEN_of_RED_GREEN", zz(1)),
    ("fixed4_09080706", b"\x09\x08\x07\x06"),
    # A union held as io.confluent.connect.avro.Union [null, string, long].
    ("union_long_5", zz(2) + zz(5)),
    ("union_null", zz(0)),
    # An optional struct is ["null", record]: branch 1, then the fields.
    ("optional_struct_x7", zz(1) + zz(7)),
    # A Decimal in a fixed of 4: sign-extended big-endian two's complement.
    ("decimal_fixed4_-2", b"\xff\xff\xff\xfe"),
    # Array of optional ints: each element a union.
    ("array_optional_int_1_null", zz(2) + zz(1) + zz(1) + zz(0) + zz(0)),
]

for name, b in cases:
    print(name, b.hex())
