package protobuf

// schemaText returns the text registered under id with the files it
// imports from other subjects, by import path.
func (c *Converter) schemaText(id int) (string, map[string]string, error) {
	s, err := c.reg.SchemaByID(id)
	if err != nil || len(s.References) == 0 {
		return s.Schema, nil, err
	}
	refs, err := c.reg.References(s)
	if err != nil {
		return "", nil, err
	}
	imports := make(map[string]string, len(refs))
	for _, ref := range refs {
		imports[ref.Name] = ref.Schema.Schema
	}
	return s.Schema, imports, nil
}
