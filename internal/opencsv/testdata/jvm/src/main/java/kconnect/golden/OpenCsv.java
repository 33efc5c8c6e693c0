package kconnect.golden;

import com.opencsv.CSVParserBuilder;
import com.opencsv.CSVReader;
import com.opencsv.CSVReaderBuilder;
import com.opencsv.ICSVParser;
import com.opencsv.RFC4180ParserBuilder;
import com.opencsv.enums.CSVReaderNullFieldIndicator;
import com.opencsv.exceptions.CsvMalformedLineException;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads every case with every option set through opencsv, with the parser and reader built as
 * kafka-connect-spooldir's SpoolDirCsvSourceConnectorConfig builds them, and writes one JSON
 * line for each: {"opt": i, "case": j, "rows": [{"line": first line, "cells": [...]}],
 * "error": first line of a row whose quoted field is not closed at the end of the input, or 0, "refused": true when a builder refuses the
 * options, "rest": true when the reader stopped before the end of the input}.
 */
public final class OpenCsv {
  public static void main(String[] args) throws Exception {
    List<String> cases = new ArrayList<>();
    for (String l : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
      if (!l.startsWith("#")) {
        cases.add(unescape(l));
      }
    }
    List<Map<String, String>> opts = new ArrayList<>();
    for (String l : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
      if (l.startsWith("#") || l.isBlank()) {
        continue;
      }
      Map<String, String> m = new HashMap<>();
      for (String kv : l.trim().split(" +")) {
        String[] p = kv.split("=", 2);
        m.put(p[0], p[1]);
      }
      opts.add(m);
    }
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[2]), StandardCharsets.UTF_8))) {
      for (int i = 0; i < opts.size(); i++) {
        for (int j = 0; j < cases.size(); j++) {
          out.print("{\"opt\":" + i + ",\"case\":" + j + ",");
          out.print(run(opts.get(i), cases.get(j)));
          out.print("}\n");
        }
      }
    }
  }

  static String run(Map<String, String> o, String input) throws Exception {
    char sep = (char) Integer.parseInt(o.get("sep"));
    char quote = (char) Integer.parseInt(o.get("quote"));
    char escape = (char) Integer.parseInt(o.get("escape"));
    CSVReaderNullFieldIndicator nul = CSVReaderNullFieldIndicator.valueOf(o.get("null"));
    int skip = Integer.parseInt(o.get("skip"));
    ICSVParser parser;
    try {
      // As SpoolDirCsvSourceConnectorConfig.createCSVParserBuilder.
      if (sep == '\0' || Boolean.parseBoolean(o.get("rfc"))) {
        parser = new RFC4180ParserBuilder().withQuoteChar(quote).withSeparator(sep).withFieldAsNull(nul).build();
      } else {
        parser = new CSVParserBuilder().withEscapeChar(escape)
            .withIgnoreLeadingWhiteSpace(Boolean.parseBoolean(o.get("ilw")))
            .withIgnoreQuotations(Boolean.parseBoolean(o.get("iq")))
            .withQuoteChar(quote).withSeparator(sep)
            .withStrictQuotes(Boolean.parseBoolean(o.get("strict")))
            .withFieldAsNull(nul).build();
      }
    } catch (UnsupportedOperationException e) {
      return "\"refused\":true";
    }
    BufferedReader br = new BufferedReader(new StringReader(input));
    CSVReader r = new CSVReaderBuilder(br).withCSVParser(parser)
        .withKeepCarriageReturn(Boolean.parseBoolean(o.get("keepcr")))
        .withSkipLines(skip).withVerifyReader(true).withFieldAsNull(nul).build();
    StringBuilder rows = new StringBuilder("\"rows\":[");
    long error = 0;
    boolean firstRow = true;
    while (true) {
      long before = r.getLinesRead();
      String[] row;
      try {
        row = r.readNext();
      } catch (CsvMalformedLineException e) {
        // The row's first line; opencsv's getLineNumber leaves out the
        // skipped lines before the first row.
        error = (before == 0 ? skip : before) + 1;
        break;
      }
      if (row == null) {
        break;
      }
      long first = (before == 0 ? skip : before) + 1;
      if (!firstRow) {
        rows.append(',');
      }
      firstRow = false;
      rows.append("{\"line\":").append(first).append(",\"cells\":[");
      for (int k = 0; k < row.length; k++) {
        if (k > 0) {
          rows.append(',');
        }
        rows.append(row[k] == null ? "null" : quote(row[k]));
      }
      rows.append("]}");
    }
    rows.append("],\"error\":").append(error);
    rows.append(",\"rest\":").append(br.read() != -1);
    return rows.toString();
  }

  static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char n = s.charAt(++i);
      switch (n) {
        case 'n': b.append('\n'); break;
        case 'r': b.append('\r'); break;
        case 't': b.append('\t'); break;
        case '0': b.append('\0'); break;
        case '\\': b.append('\\'); break;
        case 'u': b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16)); i += 4; break;
        default: throw new IllegalArgumentException("bad escape in " + s);
      }
    }
    return b.toString();
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
