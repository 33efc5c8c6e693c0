package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/runtime/herder"
)

// connectorFile is a connector configuration given on the command line.
type connectorFile struct {
	path string
	req  herder.CreateRequest
	// state is req's initial state as a target state.
	state herder.TargetState
	// utf8Line is, for a properties file, its first line holding UTF-8
	// that ISO-8859-1 reads as several characters, or 0.
	utf8Line int
}

// readConnectorFile reads a connector file as Kafka's ConnectStandalone
// does: a JSON object of configuration strings, a JSON
// CreateConnectorRequest ({"name", "config", "initial_state"}), or a Java
// properties file. Kafka tries the three in turn and reads a file that is
// not JSON as properties; here a file whose first character (after a byte
// order mark and white space) is '{' is JSON, so that a mistake in it is
// reported with its line and column instead of as a properties file with
// strange keys.
func readConnectorFile(path string) (*connectorFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseConnectorFile(path, data)
}

func parseConnectorFile(path string, data []byte) (*connectorFile, error) {
	body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return parseConnectorJSON(path, body)
	}
	p, err := parseProperties(path, data)
	if err != nil {
		return nil, err
	}
	f, err := newConnectorFile(path, herder.CreateRequest{Name: p.values["name"], Config: p.values}, true)
	if err != nil {
		return nil, err
	}
	f.utf8Line = p.utf8Line
	return f, nil
}

// newConnectorFile checks req, read from path; fromConfig says that its
// name was taken from the configuration's name key.
func newConnectorFile(path string, req herder.CreateRequest, fromConfig bool) (*connectorFile, error) {
	if _, ok := req.Config["name"]; fromConfig && !ok {
		return nil, fmt.Errorf("%s: the connector configuration is missing the mandatory 'name' configuration", path)
	}
	if strings.TrimSpace(req.Name) == "" {
		return nil, fmt.Errorf("%s: the connector's name is empty", path)
	}
	state, err := req.InitialState.TargetState()
	if err != nil {
		return nil, fmt.Errorf("%s: initial_state %q: must be RUNNING, PAUSED or STOPPED", path, string(req.InitialState))
	}
	return &connectorFile{path: path, req: req, state: state}, nil
}

// parseConnectorJSON reads a JSON object of strings, or a
// CreateConnectorRequest. As Jackson reads them into strings, numbers and
// booleans are taken as their text; unknown fields of a request are
// ignored.
func parseConnectorJSON(path string, data []byte) (*connectorFile, error) {
	var top map[string]json.RawMessage
	if err := decodeJSON(data, &top); err != nil {
		return nil, jsonError(path, data, err)
	}
	if top == nil {
		return nil, fmt.Errorf("%s: want a JSON object, got null", path)
	}
	config, err := stringMap(top)
	if err == nil {
		return newConnectorFile(path, herder.CreateRequest{Name: config["name"], Config: config}, true)
	}
	// Not all strings: a CreateConnectorRequest, if it has a config.
	rawConfig, ok := top["config"]
	if !ok {
		return nil, fmt.Errorf("%s: %v, and the object has no \"config\" field to make it a create request {\"name\", \"config\", \"initial_state\"}", path, err)
	}
	req := herder.CreateRequest{}
	if raw, ok := top["name"]; ok {
		if err := json.Unmarshal(raw, &req.Name); err != nil {
			return nil, fmt.Errorf("%s: \"name\": want a string", path)
		}
	}
	if raw, ok := top["initial_state"]; ok && string(raw) != "null" {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%s: \"initial_state\": want a string", path)
		}
		req.InitialState = herder.InitialState(s)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(rawConfig, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("%s: \"config\": want a JSON object of configuration strings", path)
	}
	if req.Config, err = stringMap(fields); err != nil {
		return nil, fmt.Errorf("%s: \"config\": %v", path, err)
	}
	if name, ok := req.Config["name"]; ok && name != req.Name {
		return nil, fmt.Errorf("%s: the connector name in 'config' (%q) does not match the one in 'name' (%q)", path, name, req.Name)
	}
	if req.Name == "" {
		return nil, fmt.Errorf("%s: the create request has no \"name\"", path)
	}
	req.Config["name"] = req.Name
	return newConnectorFile(path, req, false)
}

// decodeJSON decodes one JSON value, and nothing after it, into v.
func decodeJSON(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return &json.SyntaxError{Offset: d.InputOffset()}
	}
	return nil
}

// stringMap reads each field as a configuration value: a string, or the
// text of a number or boolean, as Jackson coerces them to String.
func stringMap(fields map[string]json.RawMessage) (map[string]string, error) {
	out := make(map[string]string, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		raw := bytes.TrimSpace(fields[k])
		switch {
		case len(raw) == 0:
			return nil, fmt.Errorf("key %q has no value", k)
		case raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, fmt.Errorf("key %q: %v", k, err)
			}
			out[k] = s
		case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' || string(raw) == "true" || string(raw) == "false":
			out[k] = string(raw)
		case string(raw) == "null":
			return nil, fmt.Errorf("key %q is null: want a string", k)
		default:
			return nil, fmt.Errorf("key %q is not a string", k)
		}
	}
	return out, nil
}

// jsonError names the file, line and column of a JSON error.
func jsonError(path string, data []byte, err error) error {
	var offset int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		offset = se.Offset - 1 // the offset after the character at fault
	case errors.As(err, &te):
		offset = te.Offset
		err = fmt.Errorf("want a JSON object of configuration strings, or a create request {\"name\", \"config\", \"initial_state\"}")
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		offset = int64(len(data))
		err = errors.New("unexpected end of JSON input")
	}
	if offset < 0 {
		return fmt.Errorf("%s: %v", path, err)
	}
	offset = max(0, min(offset, int64(len(data))))
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := int(offset) - bytes.LastIndexByte(data[:offset], '\n')
	if se != nil && se.Error() == "" {
		err = errors.New("unexpected data after the JSON object")
	}
	return fmt.Errorf("%s:%d:%d: %v", path, line, col, err)
}
