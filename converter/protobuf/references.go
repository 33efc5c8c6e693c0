package protobuf

import (
	"fmt"
	"io"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/wellknownimports"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

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
func (c *Converter) references(fd protoreflect.FileDescriptor) ([]sr.SchemaReference, error) {
	if !c.registerRefs || fd.Imports().Len() == 0 {
		return nil, nil
	}
	imports := fd.Imports()
	refs := make([]sr.SchemaReference, 0, imports.Len())
	for i := range imports.Len() {
		imp := imports.Get(i)
		path := imp.Path()
		if x, ok := c.refs.Load(path); ok {
			refs = append(refs, x.(sr.SchemaReference))
			continue
		}
		text, err := knownSource(path)
		if err != nil {
			return nil, err
		}
		sub, err := c.references(imp.FileDescriptor)
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

// knownSource is the text of a well-known file a derived schema imports:
// protoc's source of a google/protobuf file, or the source kept in the
// package of a google/type or confluent one.
func knownSource(path string) (string, error) {
	if src, ok := extraImports[path]; ok {
		return src, nil
	}
	res, err := wellknownimports.WithStandardImports(noFiles{}).FindFileByPath(path)
	if err != nil || res.Source == nil {
		return "", fmt.Errorf("no source of the imported file %s: %v", path, err)
	}
	b, err := io.ReadAll(res.Source)
	if err != nil {
		return "", fmt.Errorf("the imported file %s: %w", path, err)
	}
	return string(b), nil
}

// noFiles resolves nothing, so that only the well-known sources answer.
type noFiles struct{}

func (noFiles) FindFileByPath(string) (protocompile.SearchResult, error) {
	return protocompile.SearchResult{}, protoregistry.NotFound
}
