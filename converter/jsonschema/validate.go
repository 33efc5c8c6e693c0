package jsonschema

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	js "github.com/santhosh-tekuri/jsonschema/v6"
)

// validator checks JSON documents against one JSON Schema, draft 7 unless
// the schema's $schema says otherwise. References resolve within the
// schema and to the registered schemas it references; nothing else is
// fetched.
type validator struct{ s *js.Schema }

// defaultBase is the URL of a schema without an $id, so that the names of
// its references, relative URLs, resolve against something.
const defaultBase = "https://kconnect.invalid/schema.json"

// compileValidator compiles a schema and the schemas it references, by
// reference name.
func compileValidator(text string, refs map[string]string) (*validator, error) {
	doc, err := js.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	c := js.NewCompiler()
	c.DefaultDraft(js.Draft7)
	c.UseLoader(noLoader{})
	base := defaultBase
	if m, ok := doc.(map[string]any); ok {
		if id, ok := m["$id"].(string); ok && id != "" {
			base = id
		}
	}
	for name, rt := range refs {
		rd, err := js.UnmarshalJSON(strings.NewReader(rt))
		if err != nil {
			return nil, fmt.Errorf("reference %q is not JSON: %w", name, err)
		}
		if err := c.AddResource(resolveURL(base, name), rd); err != nil {
			return nil, fmt.Errorf("reference %q: %w", name, err)
		}
	}
	if err := c.AddResource(base, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(base)
	if err != nil {
		return nil, fmt.Errorf("not a valid JSON Schema: %w", err)
	}
	return &validator{s: s}, nil
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s: only references within the schema are resolved", url)
}

// validate checks a JSON document; the error says where it fails.
func (v *validator) validate(doc []byte) error {
	inst, err := js.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := v.s.Validate(inst); err != nil {
		var ve *js.ValidationError
		if errors.As(err, &ve) {
			// The first line names the schema's URL, which says nothing here.
			msg := ve.Error()
			if i := strings.IndexByte(msg, '\n'); i >= 0 {
				msg = strings.TrimSpace(strings.ReplaceAll(msg[i+1:], "\n", "; "))
			}
			return errors.New(msg)
		}
		return err
	}
	return nil
}
