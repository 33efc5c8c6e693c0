package all

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/kconnect-go/kconnect/source/spooldir"
)

const spoolSchemaSynopsis = "[-json] [-pattern REGEX] [-no-header] [-separator CODEPOINT] [-key FIELD,...] DIR"

// SpoolDirSchema is the spooldir-schema command: it prints the key.schema
// and value.schema lines that kafka-connect-spooldir's schema generation
// would infer from the CSV (or JSON) files of a directory, as a
// properties file's lines to paste into a connector file.
func SpoolDirSchema() cli.Command {
	return cli.Command{Name: "spooldir-schema", Synopsis: spoolSchemaSynopsis,
		Doc: `Print the key.schema and value.schema lines kafka-connect-spooldir's
schema generation infers from the CSV files of DIR (JSON with -json),
to paste into a connector file: typed, optional fields, the union of
the files' columns. -key names the key's fields; -separator is
csv.separator.char (9 for TSV).`,
		Run: spoolSchema}
}

func spoolSchema(_ context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("spooldir-schema", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	jsonFiles := fs.Bool("json", false, "")
	pattern := fs.String("pattern", "", "")
	noHeader := fs.Bool("no-header", false, "")
	keys := fs.String("key", "", "")
	sep := fs.Int("separator", ',', "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return fmt.Errorf("spooldir-schema: %w: kconnect spooldir-schema %s", cli.ErrUsage, spoolSchemaSynopsis)
	}
	class, config := spooldir.CsvClass, map[string]string{
		"input.path":                   fs.Arg(0),
		"input.file.pattern":           `.*\.(csv|tsv|txt)`,
		"csv.first.row.as.header":      fmt.Sprint(!*noHeader),
		"csv.separator.char":           fmt.Sprint(*sep),
		"schema.generation.key.fields": *keys,
	}
	if *jsonFiles {
		class = spooldir.JsonClass
		config["input.file.pattern"] = `.*\.json`
	}
	if *pattern != "" {
		config["input.file.pattern"] = *pattern
	}
	key, value, err := spooldir.GenerateSchemas(class, config)
	if err != nil {
		return fmt.Errorf("spooldir-schema: %w", err)
	}
	_, err = fmt.Fprintf(out, "key.schema=%s\nvalue.schema=%s\n", propertyValue(key), propertyValue(value))
	return err
}

// propertyValue escapes a value for a Java properties file, which reads
// a backslash as an escape and the file as ISO-8859-1.
func propertyValue(v []byte) string {
	var b strings.Builder
	for s := string(v); s != ""; {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r > 0x7e:
			for _, u := range utf16Units(r) {
				fmt.Fprintf(&b, `\u%04x`, u)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func utf16Units(r rune) []rune {
	if r < 0x10000 {
		return []rune{r}
	}
	r -= 0x10000
	return []rune{0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF}
}
