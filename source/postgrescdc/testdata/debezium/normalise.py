#!/usr/bin/env python3
"""Blanks the fields of records.jsonl and offsets.jsonl that differ by nature.

Usage: normalise.py FILE...   (writes the normalised lines to stdout)

Each line is rewritten in place, byte for byte, except that the value of each
field listed below is replaced by the string "<by-nature>". A field whose
value is null stays null, so a connector that writes a value where Debezium
writes null (or the reverse) still shows up as a difference. Nothing is
parsed into Python values and written back, so number spelling, string
escapes and field order stay exactly as the connector wrote them.

Which fields vary between two runs of record.sh (timestamps, transaction ids,
log positions, the run id header) was found by running it twice; the
connector's version differs between Debezium and any other implementation.
See README.md.
"""

import gzip
import sys

PLACEHOLDER = '"<by-nature>"'

# Paths of fields, from the line's top-level object. A path names object
# keys; "*" matches any key. A path may be limited to the records of topics
# whose name ends with a suffix: (suffix, path).
BY_NATURE = [
    # records.jsonl: the envelope's processing times.
    ("value", "payload", "ts_ms"),
    ("value", "payload", "ts_us"),
    ("value", "payload", "ts_ns"),
    # The source block: the version, commit times, transaction and log positions.
    ("value", "payload", "source", "version"),
    ("value", "payload", "source", "ts_ms"),
    ("value", "payload", "source", "ts_us"),
    ("value", "payload", "source", "ts_ns"),
    ("value", "payload", "source", "txId"),
    ("value", "payload", "source", "lsn"),
    ("value", "payload", "source", "xmin"),
    ("value", "payload", "source", "sequence"),
    # Transaction metadata, when provide.transaction.metadata is on: the
    # block in each event, and the BEGIN/END records' "<txId>:<lsn>" ids
    # (their ts_ms is covered above).
    ("value", "payload", "transaction", "id"),
    (".transaction", ("key", "payload", "id")),
    (".transaction", ("value", "payload", "id")),
    # A new UUID each time the task starts.
    ("headers", "__debezium.context.runId"),
    # offsets.jsonl: log positions, transaction id and commit time.
    ("value", "lsn"),
    ("value", "lsn_proc"),
    ("value", "lsn_commit"),
    ("value", "txId"),
    ("value", "ts_usec"),
    ("value", "transaction_id"),
]


class Scanner:
    """Finds the byte spans of JSON values without converting them."""

    def __init__(self, text):
        self.s = text
        self.i = 0
        self.spans = []  # (path, start, end) of every value that is not null

    def ws(self):
        s = self.s
        while self.i < len(s) and s[self.i] in " \t\r\n":
            self.i += 1

    def value(self, path):
        self.ws()
        start = self.i
        c = self.s[self.i]
        if c == "{":
            self.obj(path)
        elif c == "[":
            self.arr(path)
        elif c == '"':
            self.string()
        else:
            while self.i < len(self.s) and self.s[self.i] not in ",]} \t\r\n":
                self.i += 1
        end = self.i
        if self.s[start:end] != "null":
            self.spans.append((path, start, end))

    def string(self):
        s = self.s
        assert s[self.i] == '"', f"string expected at {self.i}"
        self.i += 1
        start = self.i
        while s[self.i] != '"':
            self.i += 2 if s[self.i] == "\\" else 1
        raw = s[start:self.i]
        self.i += 1
        return raw

    def obj(self, path):
        self.i += 1
        self.ws()
        if self.s[self.i] == "}":
            self.i += 1
            return
        while True:
            self.ws()
            key = self.string()
            self.ws()
            assert self.s[self.i] == ":", f"':' expected at {self.i}"
            self.i += 1
            self.value(path + (key,))
            self.ws()
            c = self.s[self.i]
            self.i += 1
            if c == "}":
                return
            assert c == ",", f"',' or '}}' expected at {self.i - 1}"

    def arr(self, path):
        self.i += 1
        self.ws()
        if self.s[self.i] == "]":
            self.i += 1
            return
        while True:
            self.value(path + ("[]",))
            self.ws()
            c = self.s[self.i]
            self.i += 1
            if c == "]":
                return
            assert c == ",", f"',' or ']' expected at {self.i - 1}"


def matches(path, topic):
    for rule in BY_NATURE:
        p = rule
        if isinstance(rule[1], tuple):
            suffix, p = rule
            if topic is None or not topic.endswith(suffix):
                continue
        if len(p) == len(path) and all(a == "*" or a == b for a, b in zip(p, path)):
            return True
    return False


def normalise(line):
    sc = Scanner(line)
    sc.value(())
    topic = None
    for path, start, end in sc.spans:
        if path == ("topic",):
            topic = line[start + 1 : end - 1]
    out = []
    last = 0
    spans = sorted((start, end) for path, start, end in sc.spans if matches(path, topic))
    for start, end in spans:
        out.append(line[last:start])
        out.append(PLACEHOLDER)
        last = end
    out.append(line[last:])
    return "".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: normalise.py FILE...")
    w = sys.stdout.buffer
    for name in sys.argv[1:]:
        with (gzip.open if name.endswith(".gz") else open)(name, "rb") as f:
            for n, raw in enumerate(f, 1):
                line = raw.decode("utf-8").rstrip("\n")
                if not line:
                    continue
                try:
                    w.write(normalise(line).encode("utf-8") + b"\n")
                except (AssertionError, IndexError) as e:
                    sys.exit(f"{name}:{n}: not JSON: {e}")


if __name__ == "__main__":
    main()
