package configprovider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"unicode/utf8"

	"github.com/magiconair/properties"
)

// File returns Kafka's FileConfigProvider: the path of a reference names a
// Java properties file, read as UTF-8 on every Get, and its keys are the
// file's keys, so ${file:/secrets/db.properties:password} is the value of
// password in that file. A value is taken as written: ${…} in it stays
// literal, as Java's Properties leaves it.
//
// allowedPaths is KIP-993's allowed.paths: when given, only files in or at
// those paths may be read (each must be absolute and exist, or File
// fails), and a reference to any other path is an error of Get. Without
// it, any path may be read.
//
// Get fails when path is empty, outside allowedPaths, unreadable, not
// valid UTF-8 or not a properties file; the error names the file and,
// for a syntax error, the line, never its content.
func File(allowedPaths ...string) (Provider, error) {
	a, err := newAllowedPaths(allowedPaths)
	if err != nil {
		return nil, err
	}
	return fileProvider{allowed: a}, nil
}

type fileProvider struct{ allowed allowedPaths }

// propertiesLine finds the line number in a properties parse error, whose
// message is all this package keeps of it.
var propertiesLine = regexp.MustCompile(`Line (\d+)`)

func (p fileProvider) Get(ctx context.Context, path string, keys ...string) (map[string]string, error) {
	if path == "" {
		return nil, errors.New("configprovider: file: no path: a reference to a file is ${provider:path:key}")
	}
	name, err := p.allowed.check(path)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("configprovider: file: %w", err)
	}
	// Java reads the file with a decoder that rejects malformed input.
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("configprovider: file %s: not valid UTF-8", name)
	}
	// Java ends a line at \r\n, \r or \n, the last one included, and
	// continues a line ending in a backslash whichever it is.
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	l := properties.Loader{Encoding: properties.UTF8, DisableExpansion: true}
	props, err := l.LoadBytes(data)
	if err != nil {
		// The parser's message may quote the file; keep only the line.
		where := ""
		if m := propertiesLine.FindStringSubmatch(err.Error()); m != nil {
			where = " (line " + m[1] + ")"
		}
		return nil, fmt.Errorf("configprovider: file %s: not a valid properties file%s", name, where)
	}
	want := wanted(keys)
	out := make(map[string]string)
	for _, k := range props.Keys() {
		if want != nil && !want[k] {
			continue
		}
		v, _ := props.Get(k)
		out[k] = v
	}
	return out, nil
}
