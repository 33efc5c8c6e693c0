package spooldir

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// Schema generation samples up to generateFiles files and generateRows rows
// of each.
const (
	generateFiles = 5
	generateRows  = 1000
)

// generator infers the schemas a connector's tasks are given when
// schema.generation.enabled is set and key.schema or value.schema is not.
type generator func(cfg *connect.Config, c *common) (key, value *connect.Schema, err error)

// columnType narrows, cell by cell, the type a column's values all have.
type columnType uint8

const (
	colUnknown columnType = iota // no value seen
	colBool
	colInt
	colFloat
	colString
)

func (t columnType) with(cell string) columnType {
	if cell == "" || t == colString {
		return t
	}
	switch {
	case (t == colUnknown || t == colInt) && isInt(cell):
		return colInt
	case (t == colUnknown || t == colInt || t == colFloat) && isFloat(cell):
		return colFloat
	case (t == colUnknown || t == colBool) && (strings.EqualFold(cell, "true") || strings.EqualFold(cell, "false")):
		return colBool
	}
	return colString
}

// isInt accepts whole numbers that read back as they are written: no
// leading zeros (an identifier such as 00123 stays a string) nor plus.
func isInt(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || (len(digits) > 1 && digits[0] == '0') {
		return false
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// isFloat accepts decimal numbers a FLOAT64 holds exactly enough: at most
// 15 significant digits, no leading zeros, no NaN or infinities.
func isFloat(s string) bool {
	body := strings.TrimPrefix(s, "-")
	if body == "" || body[0] < '0' || body[0] > '9' || (len(body) > 1 && body[0] == '0' && body[1] != '.') {
		return false
	}
	mant, _, _ := strings.Cut(strings.ToLower(body), "e")
	if len(strings.Trim(strings.ReplaceAll(mant, ".", ""), "0")) > 15 {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func (t columnType) schema() *connect.Schema {
	switch t {
	case colBool:
		return connect.OptionalBooleanSchema
	case colInt:
		return connect.OptionalInt64Schema
	case colFloat:
		return connect.OptionalFloat64Schema
	}
	return connect.OptionalStringSchema
}

// generateCSV infers the schemas from the files in input.path: the column
// names from the header row (column01, column02... without one), each
// column's type from its cells (BOOLEAN, INT64, FLOAT64 when every
// non-empty cell is one, STRING otherwise), every field optional. The key
// schema holds the fields schema.generation.key.fields names. Files whose
// columns differ give the union of their columns, in the order first seen
// (by name with a header, by position without), where spooldir fails: a
// row of a file without a column leaves its field null.
func generateCSV(cfg *connect.Config, c *common) (key, value *connect.Schema, err error) {
	dialect, err := csvDialect(cfg, c)
	if err != nil {
		return nil, nil, err
	}
	all := *c
	all.taskIndex, all.taskCount, all.minAge = 0, 1, 0
	files, err := (&scanner{c: all, flagged: true}).scan(time.Now(), func(*fileInfo) bool { return false })
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%s: no file in %s matches %s %q to generate the schemas from",
			SchemaGenerationEnabledConfig, c.inputPath, InputFilePatternConfig, c.pattern)
	}
	var names []string
	var types []columnType
	index := map[string]int{}
	var sampled []string
	for _, f := range files[:min(len(files), generateFiles)] {
		fnames, ftypes, err := sampleCSV(dialect, &f)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: file %s: %w", SchemaGenerationEnabledConfig, f.path, err)
		}
		sampled = append(sampled, f.path)
		for i, n := range fnames {
			j, ok := index[n]
			if !ok {
				j = len(names)
				index[n] = j
				names = append(names, n)
				types = append(types, colUnknown)
			}
			types[j] = merge(types[j], ftypes[i])
		}
	}
	fields := make([]connect.Field, len(names))
	for i, n := range names {
		fields[i] = connect.F(n, types[i].schema())
	}
	value = connect.StructOf(fields...)
	value.Name = cfg.String(SchemaGenerationValueNameCfg)
	var keyFields []connect.Field
	for _, k := range cfg.List(SchemaGenerationKeyFieldsCfg) {
		f, ok := value.Field(k)
		if !ok {
			return nil, nil, fmt.Errorf("%s: %q is not a column of %s", SchemaGenerationKeyFieldsCfg, k, strings.Join(sampled, ", "))
		}
		keyFields = append(keyFields, connect.F(k, f.Schema))
	}
	key = connect.StructOf(keyFields...)
	key.Name = cfg.String(SchemaGenerationKeyNameConfig)
	return key, value, nil
}

func merge(a, b columnType) columnType {
	switch {
	case a == b || b == colUnknown:
		return a
	case a == colUnknown:
		return b
	case (a == colInt || a == colFloat) && (b == colInt || b == colFloat):
		return colFloat
	}
	return colString
}

// sampleCSV reads a file's column names and the types of its first rows.
func sampleCSV(dialect *csvFormat, f *fileInfo) ([]string, []columnType, error) {
	in, err := openText(f.path, 0, dialect.bufferBytes, dialect.c.charset)
	if err != nil {
		return nil, nil, err
	}
	defer in.Close()
	cr := dialect.newReader(in.Reader, true)
	var names []string
	if dialect.header {
		rec, _, err := cr.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil, errors.New("no header row")
			}
			return nil, nil, err
		}
		names = slices.Clone(rec)
	}
	var types []columnType
	for rows := 0; rows < generateRows; rows++ {
		rec, _, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue // a bad row says nothing of the columns
		}
		if names == nil {
			for i := range rec {
				names = append(names, fmt.Sprintf("column%02d", i+1))
			}
		}
		if types == nil {
			types = make([]columnType, len(names))
		}
		for i, cell := range rec[:min(len(rec), len(names))] {
			types[i] = types[i].with(cell)
		}
	}
	if names == nil {
		return nil, nil, errors.New("no row to name the columns")
	}
	if types == nil {
		types = make([]columnType, len(names))
	}
	return names, types, nil
}

// jsonType is the type inferred for a JSON member across the sampled
// values: a kind, and for objects their members in the order first seen,
// for arrays their elements'.
type jsonType struct {
	kind   columnType // colUnknown, colBool, colInt, colFloat, colString
	object bool
	array  bool
	names  []string
	fields map[string]*jsonType
	elem   *jsonType
	mixed  bool // seen as different kinds: read as JSON text
}

func (t *jsonType) add(n *jsonparse.Node) {
	if t.mixed || n.Kind == jsonparse.Null {
		return
	}
	switch n.Kind {
	case jsonparse.Object:
		if t.array || t.kind != colUnknown {
			t.mix()
			return
		}
		t.object = true
		if t.fields == nil {
			t.fields = map[string]*jsonType{}
		}
		for i, k := range n.Keys {
			ft := t.fields[k]
			if ft == nil {
				ft = &jsonType{}
				t.fields[k] = ft
				t.names = append(t.names, k)
			}
			ft.add(&n.Kids[i])
		}
	case jsonparse.Array:
		if t.object || t.kind != colUnknown {
			t.mix()
			return
		}
		t.array = true
		if t.elem == nil {
			t.elem = &jsonType{}
		}
		for i := range n.Kids {
			t.elem.add(&n.Kids[i])
		}
	default:
		if t.object || t.array {
			t.mix()
			return
		}
		var k columnType
		switch n.Kind {
		case jsonparse.True, jsonparse.False:
			k = colBool
		case jsonparse.Number:
			k = colFloat
			if isIntegral(n.Str) {
				if _, err := strconv.ParseInt(n.Str, 10, 64); err == nil {
					k = colInt
				}
			}
		default:
			k = colString
		}
		if t.kind == colUnknown {
			t.kind = k
		} else if m := merge(t.kind, k); m == colString && (t.kind != colString || k != colString) {
			t.mix()
		} else {
			t.kind = m
		}
	}
}

func (t *jsonType) mix() {
	*t = jsonType{mixed: true, kind: colString}
}

// schema is the optional schema of t: a STRUCT for objects, an ARRAY for
// arrays, a primitive, or a STRING of JSON text when t was seen as
// different kinds (or never seen but as null).
func (t *jsonType) schema(name string) *connect.Schema {
	switch {
	case t.object:
		fields := make([]connect.Field, len(t.names))
		for i, n := range t.names {
			fields[i] = connect.F(n, t.fields[n].schema(""))
		}
		s := connect.StructOf(fields...)
		s.Name, s.Optional = name, true
		return s
	case t.array:
		s := connect.ArrayOf(t.elem.schema(""))
		s.Optional = true
		return s
	}
	return t.kind.schema()
}

// generateJSON infers the schemas from the JSON objects of up to five
// files (the first thousand of each): the members of every object seen,
// in the order first seen, typed BOOLEAN, INT64, FLOAT64, STRING, nested
// STRUCTs for objects and ARRAYs for arrays, every field optional; a
// member seen with different kinds is a STRING of its JSON text. The key
// schema holds the fields schema.generation.key.fields names.
func generateJSON(cfg *connect.Config, c *common) (key, value *connect.Schema, err error) {
	all := *c
	all.taskIndex, all.taskCount, all.minAge = 0, 1, 0
	files, err := (&scanner{c: all, flagged: true}).scan(time.Now(), func(*fileInfo) bool { return false })
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%s: no file in %s matches %s %q to generate the schemas from",
			SchemaGenerationEnabledConfig, c.inputPath, InputFilePatternConfig, c.pattern)
	}
	var root jsonType
	for _, f := range files[:min(len(files), generateFiles)] {
		if err := sampleJSON(&root, c, &f); err != nil {
			return nil, nil, fmt.Errorf("%s: file %s: %w", SchemaGenerationEnabledConfig, f.path, err)
		}
	}
	if !root.object {
		return nil, nil, fmt.Errorf("%s: no JSON object in %s to generate the schemas from", SchemaGenerationEnabledConfig, c.inputPath)
	}
	value = root.schema(cfg.String(SchemaGenerationValueNameCfg))
	value.Optional = false
	var keyFields []connect.Field
	for _, k := range cfg.List(SchemaGenerationKeyFieldsCfg) {
		f, ok := value.Field(k)
		if !ok {
			return nil, nil, fmt.Errorf("%s: %q is not a member of the sampled objects", SchemaGenerationKeyFieldsCfg, k)
		}
		keyFields = append(keyFields, connect.F(k, f.Schema))
	}
	key = connect.StructOf(keyFields...)
	key.Name = cfg.String(SchemaGenerationKeyNameConfig)
	return key, value, nil
}

func sampleJSON(root *jsonType, c *common, f *fileInfo) error {
	in, err := openJSON(f.path, 0, c.bufferSize)
	if err != nil {
		return err
	}
	defer in.Close()
	s := jsonStream{in: in, pos: in.pos}
	var pos position
	for range generateRows {
		n, _, _, err := readJSON(&s, &pos)
		if err == io.EOF {
			return nil
		}
		var re *rowError
		if errors.As(err, &re) {
			continue
		}
		if err != nil {
			return err
		}
		if n.Kind == jsonparse.Object {
			root.add(&n)
		}
	}
	return nil
}

// GenerateSchemas infers the key and value schemas of a CSV or JSON
// connector from the files its configuration reads, as
// schema.generation.enabled does when the connector starts (up to five
// files, a thousand records of each, the union of their columns or
// members, every field optional), and returns them in spooldir's JSON
// shape, ready for key.schema and value.schema: pasted there, they fix the
// schemas, which generation at each start could infer otherwise from other
// files. class is CsvClass or JsonClass. config takes the connector's
// keys: input.path and input.file.pattern are required, the csv.* and
// schema.generation.key.* keys apply, and the keys only tasks need (topic,
// error.path, finished.path) may be left out. It fails when no file
// matches, a file cannot be read, or a key field is not among the
// columns.
func GenerateSchemas(class string, config map[string]string) (key, value []byte, err error) {
	var def *connect.ConfigDef
	var gen generator
	switch class {
	case CsvClass:
		def, gen = csvDef, generateCSV
	case JsonClass:
		def, gen = jsonDef, generateJSON
	default:
		return nil, nil, fmt.Errorf("schemas are generated for %s and %s, not %q", CsvClass, JsonClass, class)
	}
	m := make(map[string]string, len(config)+4)
	for k, v := range config {
		m[k] = v
	}
	defaults := map[string]string{TopicConfig: "schemas", ErrorPathConfig: config[InputPathConfig], CleanupPolicyConfig: CleanupNone}
	for k, v := range defaults {
		if m[k] == "" {
			m[k] = v
		}
	}
	cfg, err := def.Parse(m)
	if err != nil {
		return nil, nil, err
	}
	c, err := parseCommon(cfg, true)
	if err != nil {
		return nil, nil, err
	}
	k, v, err := gen(cfg, &c)
	if err != nil {
		return nil, nil, err
	}
	return appendSchema(nil, k), appendSchema(nil, v), nil
}
