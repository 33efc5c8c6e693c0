package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/herder"
)

// restError is an answer decided by this package: a status and Kafka
// Connect's message for it.
type restError struct {
	status int
	msg    string
}

func (e *restError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &restError{status: status, msg: fmt.Sprintf(format, args...)}
}

// bodyError is the answer to a request body that is not JSON of the
// expected shape: 500, as Kafka Connect answers every error Jackson raises
// reading a body (its exception mapper maps all that are not its own REST
// errors to 500).
func bodyError(format string, args ...any) error {
	return errorf(http.StatusInternalServerError, format, args...)
}

// notFound is Jersey's answer to a path parameter that does not convert
// (a task number that is not one).
var notFound = &restError{status: http.StatusNotFound, msg: "HTTP 404 Not Found"}

// unknown answers a herder's ErrNotFound as Kafka Connect answers it on
// that endpoint: the status and the message, which differ from one
// endpoint to another there. Any other error is err.
func unknown(err error, status int, format string, args ...any) error {
	if err != nil && errors.Is(err, herder.ErrNotFound) {
		return errorf(status, format, args...)
	}
	return err
}

// invalidConfigMessage is Kafka Connect's message for a configuration that
// failed validation: every key's error, one a line.
func invalidConfigMessage(ce *connect.ConfigError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Connector configuration is invalid and contains the following %d error(s):\n", len(ce.Errors))
	for _, ke := range ce.Errors {
		b.WriteString(ke.Message)
		b.WriteByte('\n')
	}
	b.WriteString("You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
	return b.String()
}

// errorStatus maps an error to Kafka Connect's status code and message.
func errorStatus(ctx context.Context, err error) (int, string) {
	var re *restError
	switch {
	case errors.As(err, &re):
		return re.status, re.msg
	case ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
		return http.StatusInternalServerError, "Request timed out"
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return http.StatusInternalServerError, "Request interrupted"
	case errors.Is(err, herder.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, herder.ErrAlreadyExists), errors.Is(err, herder.ErrRebalancing):
		return http.StatusConflict, err.Error()
	case errors.Is(err, herder.ErrInvalidConfig):
		if ce := (*connect.ConfigError)(nil); errors.As(err, &ce) && len(ce.Errors) > 0 {
			return http.StatusBadRequest, invalidConfigMessage(ce)
		}
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, herder.ErrBadRequest):
		return http.StatusBadRequest, err.Error()
	}
	return http.StatusInternalServerError, err.Error()
}

// writeError writes Kafka Connect's error body,
// {"error_code":status,"message":msg}, as JSON.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	writeErrorBody(w, status, msg)
}

// writeErrorBody writes Kafka Connect's error body without a Content-Type,
// as Jersey answers a path or method no resource has.
func writeErrorBody(w http.ResponseWriter, status int, msg string) {
	if _, ok := w.Header()["Content-Type"]; !ok {
		w.Header()["Content-Type"] = nil // net/http would sniff one
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(msg)
	b := append([]byte(`{"error_code":`), strconv.Itoa(status)...)
	b = append(b, `,"message":`...)
	b = append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
	b = append(b, '}')
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readBody reads a request's JSON body, at most the handler's limit: 413
// beyond it, 415 when its Content-Type is not JSON (Jersey's answer to a
// type the resource does not consume), and a bodyError when it is empty.
func (s *server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "*/*" && mt != "application/*") {
			return nil, errorf(http.StatusUnsupportedMediaType, "HTTP 415 Unsupported Media Type")
		}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.o.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "Request body is larger than %d bytes", s.o.maxBody)
		}
		return nil, bodyError("Reading the request body: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, bodyError("The request body is empty; it must be a JSON object")
	}
	return b, nil
}

// decodeObject reads body as a JSON object, its values kept raw.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		return nil, bodyError("The request body is not a JSON object: %s", jsonProblem(err))
	}
	if m == nil {
		return nil, bodyError("The request body is null; it must be a JSON object")
	}
	return m, nil
}

// objectKeys returns the keys of the JSON object body in the order they
// are written, each once, for answering a configuration in the order it
// was given as Kafka Connect does; nil when body is not an object.
func objectKeys(body []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		k, _ := t.(string)
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return keys
}

// jsonProblem describes a JSON decoding error without quoting the input
// beyond the offending character, so no value of a configuration is
// repeated.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%s at byte %d", syn.Error(), syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return "found a JSON " + typ.Value
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// stringMap reads a JSON object of strings as Jackson reads Kafka Connect's
// Map<String, String> bodies: a number or boolean becomes its text, null a
// nil value; an object or array is a bodyError naming its key.
func stringMap(body []byte) (map[string]*string, error) {
	raw, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*string, len(raw))
	for k, v := range raw {
		s, err := scalarString(v)
		if err != nil {
			return nil, bodyError("The value of %q: %v", k, err)
		}
		out[k] = s
	}
	return out, nil
}

// scalarString reads a JSON string, number or boolean as a string, as
// Jackson reads one into a String; null is nil.
func scalarString(v json.RawMessage) (*string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil, errors.New("no value")
	}
	switch v[0] {
	case 'n':
		return nil, nil
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		return &s, nil
	case '{':
		return nil, errors.New("an object, not a string")
	case '[':
		return nil, errors.New("an array, not a string")
	}
	s := string(v) // a number as written, or true or false
	return &s, nil
}

// configMap reads a connector configuration body: every value a string
// (or a number or boolean, as text), none null.
func configMap(body []byte) (map[string]string, error) {
	m, err := stringMap(body)
	if err != nil {
		return nil, err
	}
	return nonNull(m)
}

func nonNull(m map[string]*string) (map[string]string, error) {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v == nil {
			return nil, errorf(http.StatusBadRequest, "Connector configuration key %q is null; give it a value or leave it out", k)
		}
		out[k] = *v
	}
	return out, nil
}
