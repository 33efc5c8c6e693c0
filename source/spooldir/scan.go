package spooldir

import (
	"cmp"
	"errors"
	"fmt"
	"hash/adler32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// The source partition keys. fileName is spooldir's own; the others make
// the partition the file's identity, so that a new file reusing an old
// one's name starts from its beginning instead of the old file's offset.
const (
	FileNameField     = "fileName"
	FileLengthField   = "file.length"
	FileModifiedField = "file.last.modified"
	FileRelPathField  = "file.relative.path"
)

// The source offset keys: offset is spooldir's (records read from the file),
// position the byte position after the record in the file's (decompressed)
// content, line the number of lines read up to it. A task resumes from
// position.
const (
	OffsetField   = "offset"
	PositionField = "position"
	LineField     = "line"
)

// fileInfo is a file found under input.path.
type fileInfo struct {
	path string // absolute
	rel  string // the sub-directory below input.path it was found in, "" for input.path itself
	name string
	size int64
	mod  time.Time
}

// fileKey is a file's identity as a map key: its path, length and
// modification time. A file changed after it was read is another file.
type fileKey struct {
	path string
	size int64
	mod  int64
}

func (f *fileInfo) key() fileKey { return fileKey{f.path, f.size, f.mod.UnixNano()} }

// partition returns the file's source partition: its identity.
func (f *fileInfo) partition() connect.SourcePartition {
	kv := []any{FileNameField, f.name, FileLengthField, f.size, FileModifiedField, f.mod.UnixMilli()}
	if f.rel != "" {
		kv = append(kv, FileRelPathField, filepath.ToSlash(f.rel))
	}
	return connect.NewSourcePartition(kv...)
}

// ownedBy reports whether task index of count reads the file named name:
// spooldir's ByName partitioner, abs(adler32(name)) % count.
func ownedBy(name string, index, count int) bool {
	return int(adler32.Checksum([]byte(name))%uint32(count)) == index
}

// scanner lists the files a task may read.
type scanner struct {
	c common
	// flagged lists files with a processing flag too, as schema
	// generation samples them.
	flagged bool
}

// skipDir reports whether dir, below input.path, holds no input: the
// finished and error directories may be placed inside input.path.
func (s *scanner) skipDir(dir string) bool {
	return dir == s.c.errorPath || (s.c.finishedPath != "" && dir == s.c.finishedPath)
}

// walk calls visit for every regular file under input.path (below it only
// with input.path.walk.recursively), never following a symbolic link, so
// that nothing outside input.path is read or moved.
func (s *scanner) walk(visit func(path, rel string, d fs.DirEntry) error) error {
	root := s.c.inputPath
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return fmt.Errorf("%s %s: %w", InputPathConfig, root, err)
			}
			return nil // a directory that went away or cannot be listed: try again next scan
		}
		if d.IsDir() {
			if path != root && (!s.c.recursive || s.skipDir(path)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // symbolic links, devices, pipes
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		if rel == "." {
			rel = ""
		}
		return visit(path, rel, d)
	})
}

// scan returns the task's files ready to read, sorted by
// files.sort.attributes: matching input.file.pattern, in the task's share,
// without a processing flag, not modified for file.minimum.age.ms, and not
// refused by skip.
func (s *scanner) scan(now time.Time, skip func(f *fileInfo) bool) ([]fileInfo, error) {
	var files []fileInfo
	err := s.walk(func(path, rel string, d fs.DirEntry) error {
		name := d.Name()
		if strings.HasSuffix(name, s.c.processingExt) || !s.c.pattern.MatchString(name) ||
			!ownedBy(name, s.c.taskIndex, s.c.taskCount) {
			return nil
		}
		if _, err := os.Lstat(path + s.c.processingExt); !s.flagged && (err == nil || !errors.Is(err, fs.ErrNotExist)) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil // gone since listed
		}
		if s.c.minAge > 0 && now.Sub(fi.ModTime()) < s.c.minAge {
			return nil
		}
		f := fileInfo{path: path, rel: rel, name: name, size: fi.Size(), mod: fi.ModTime()}
		if !skip(&f) {
			files = append(files, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortFiles(files, s.c.sortBy)
	return files, nil
}

// staleFlags returns the processing flags of the task's share: flags a
// task of this connector left when it stopped without cleaning up (a
// crash). Only this task reads its share, so no other task holds them.
func (s *scanner) staleFlags() ([]string, error) {
	var flags []string
	err := s.walk(func(path, _ string, d fs.DirEntry) error {
		base, ok := strings.CutSuffix(d.Name(), s.c.processingExt)
		if ok && s.c.pattern.MatchString(base) && ownedBy(base, s.c.taskIndex, s.c.taskCount) {
			flags = append(flags, path)
		}
		return nil
	})
	return flags, err
}

// sortFiles orders files by the attributes in turn, then by path so the
// order is total.
func sortFiles(files []fileInfo, by []string) {
	slices.SortStableFunc(files, func(a, b fileInfo) int {
		for _, attr := range by {
			var c int
			switch attr {
			case "NameAsc":
				c = strings.Compare(a.name, b.name)
			case "NameDesc":
				c = strings.Compare(b.name, a.name)
			case "LengthAsc":
				c = cmp.Compare(a.size, b.size)
			case "LengthDesc":
				c = cmp.Compare(b.size, a.size)
			case "LastModifiedAsc":
				c = a.mod.Compare(b.mod)
			case "LastModifiedDesc":
				c = b.mod.Compare(a.mod)
			}
			if c != 0 {
				return c
			}
		}
		return strings.Compare(a.path, b.path)
	})
}
