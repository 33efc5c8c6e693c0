package protobuf

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/internal/schemaregistry"
)

// references returns the references a derived file is registered with:
// none with skip.known.types (the default), as Confluent's serializer
// skips the well-known files, the only ones a derived schema imports;
// else each imported file, in import order, registered under the subject
// reference.subject.name.strategy names (or with reference.lookup.only or
// auto.register.schemas=false looked up there) with its own references
// first, as Confluent's serializer resolves a schema's dependencies. An
// imported file's reference is kept once found, as its text never
// changes.
func (c *Converter) references(imports []string) ([]sr.SchemaReference, error) {
	if !c.registerRefs || len(imports) == 0 {
		return nil, nil
	}
	refs := make([]sr.SchemaReference, 0, len(imports))
	for _, path := range imports {
		if x, ok := c.refs.Load(path); ok {
			refs = append(refs, x.(sr.SchemaReference))
			continue
		}
		text, deps, err := knownSource(path)
		if err != nil {
			return nil, err
		}
		sub, err := c.references(deps)
		if err != nil {
			return nil, err
		}
		subject := c.referenceSubject(path)
		s := sr.Schema{Schema: text, References: sub}
		if c.set.Register && !c.lookupRefs {
			if _, err := c.reg.SchemaID(subject, s, true, c.set.Normalize); err != nil {
				return nil, fmt.Errorf("registering reference %s in subject %s: %w", path, subject, err)
			}
		}
		version, err := c.reg.Version(subject, s)
		if err != nil {
			if schemaregistry.NotFound(err) {
				return nil, fmt.Errorf("reference %s is not registered in subject %s, and it is only looked up: %w", path, subject, err)
			}
			return nil, fmt.Errorf("reference %s in subject %s: %w", path, subject, err)
		}
		ref := sr.SchemaReference{Name: path, Subject: subject, Version: version}
		c.refs.Store(path, ref)
		refs = append(refs, ref)
	}
	return refs, nil
}

// referenceSubject names an imported file's subject, as Confluent's
// DefaultReferenceSubjectNameStrategy (the import path) or
// QualifiedReferenceSubjectNameStrategy do.
func (c *Converter) referenceSubject(path string) string {
	if c.qualifiedRefs {
		return strings.ReplaceAll(strings.ReplaceAll(path, ".proto", ""), "/", ".")
	}
	return path
}
