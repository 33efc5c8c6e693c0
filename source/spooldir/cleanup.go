package spooldir

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// finish applies cleanup.policy to a file all of whose records are
// committed, then removes its processing flag.
func (c *common) finish(f *fileInfo) error {
	var err error
	switch c.cleanup {
	case CleanupDelete:
		if err = os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("deleting %s: %w", f.path, err)
		} else {
			err = nil
		}
	case CleanupMove:
		_, err = c.move(f, filepath.Join(c.finishedPath, f.rel))
	case CleanupMoveByDate:
		// The date spooldir's SimpleDateFormat gives: the modification
		// time's in the JVM's default zone, the process's local zone (TZ).
		_, err = c.move(f, filepath.Join(c.finishedPath, f.mod.In(c.local).Format("2006-01-02"), f.rel))
	}
	if err != nil {
		return err
	}
	if err := c.unflag(f); err != nil {
		return err
	}
	c.removeEmptyDirs(f)
	return nil
}

// fail moves a file that could not be read to error.path and removes its
// processing flag. It returns where the file went.
func (c *common) fail(f *fileInfo) (string, error) {
	dst, err := c.move(f, filepath.Join(c.errorPath, f.rel))
	if err != nil {
		return "", err
	}
	if err := c.unflag(f); err != nil {
		return dst, err
	}
	c.removeEmptyDirs(f)
	return dst, nil
}

func (c *common) flag(f *fileInfo) string { return f.path + c.processingExt }

// unflag removes the file's processing flag; one already gone is fine.
func (c *common) unflag(f *fileInfo) error {
	if err := os.Remove(c.flag(f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing processing flag of %s: %w", f.path, err)
	}
	return nil
}

// removeEmptyDirs removes the sub-directories of input.path a walked file
// was found in once they are empty, unless
// cleanup.policy.maintain.relative.path keeps them.
func (c *common) removeEmptyDirs(f *fileInfo) {
	if f.rel == "" || c.maintainRel || c.cleanup == CleanupNone {
		return
	}
	for dir := filepath.Dir(f.path); dir != c.inputPath && strings.HasPrefix(dir, c.inputPath+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil { // not empty (or gone): keep it and its parents
			return
		}
	}
}

// move moves f into dir (created if needed) under its own name, or, when
// a file of that name is there already, under the name with "-1", "-2"...
// before its extension: a file is never moved over another. It returns the
// new path.
func (c *common) move(f *fileInfo, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("moving %s: %w", f.path, err)
	}
	stem, ext := splitExt(f.name)
	for i := 0; ; i++ {
		name := f.name
		if i > 0 {
			name = stem + "-" + strconv.Itoa(i) + ext
		}
		dst := filepath.Join(dir, name)
		err := moveNoReplace(f.path, dst)
		if err == nil {
			return dst, nil
		}
		if !errors.Is(err, fs.ErrExist) || i >= 10000 {
			return "", fmt.Errorf("moving %s to %s: %w", f.path, dir, err)
		}
		if sameFile(f.path, dst) || sameContent(f.path, dst) {
			// A move cut short between the link (or copy) and the removal
			// of the source (a crash): finish it rather than keep a second
			// copy.
			if err := os.Remove(f.path); err != nil {
				return "", fmt.Errorf("moving %s to %s: %w", f.path, dir, err)
			}
			return dst, nil
		}
	}
}

// sameFile reports whether two paths are links to one file.
func sameFile(a, b string) bool {
	fa, err := os.Lstat(a)
	if err != nil {
		return false
	}
	fb, err := os.Lstat(b)
	return err == nil && os.SameFile(fa, fb)
}

// sameContent reports whether two regular files hold the same bytes.
func sameContent(a, b string) bool {
	fa, err := os.Lstat(a)
	if err != nil || !fa.Mode().IsRegular() {
		return false
	}
	fb, err := os.Lstat(b)
	if err != nil || !fb.Mode().IsRegular() || fa.Size() != fb.Size() {
		return false
	}
	ra, err := os.Open(a)
	if err != nil {
		return false
	}
	defer ra.Close()
	rb, err := os.Open(b)
	if err != nil {
		return false
	}
	defer rb.Close()
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, ea := io.ReadFull(ra, ba)
		nb, eb := io.ReadFull(rb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil || eb != nil {
			return (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF)
		}
	}
}

// splitExt splits a name before its first extension, so that "a.csv.gz"
// becomes "a-1.csv.gz".
func splitExt(name string) (string, string) {
	if i := strings.IndexByte(name[min(1, len(name)):], '.'); i >= 0 {
		return name[:i+1], name[i+1:]
	}
	return name, ""
}

// moveNoReplace moves src to dst, failing with fs.ErrExist when dst exists.
// A hard link makes the new name atomically without replacing anything;
// across file systems, or where links are refused, the file is copied to
// a temporary file beside dst, synced, then given dst's name, so that a
// crash never leaves a part of the file under dst's name.
func moveNoReplace(src, dst string) error {
	err := os.Link(src, dst)
	if err == nil {
		return os.Remove(src)
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(dst); serr == nil {
		return fs.ErrExist
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + partialSuffix
	os.Remove(tmp) // one a crash left
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if err = os.Link(tmp, dst); err != nil && !errors.Is(err, fs.ErrExist) {
			// No links on dst's file system either: a rename, after a
			// check that nothing has dst's name (only this task moves
			// this file).
			if _, serr := os.Lstat(dst); serr == nil {
				err = fs.ErrExist
			} else {
				err = os.Rename(tmp, dst)
			}
		}
	}
	os.Remove(tmp)
	if err != nil {
		return err
	}
	return os.Remove(src)
}

// partialSuffix names the temporary file a copy to another file system
// writes before it takes the file's name.
const partialSuffix = ".kconnect-partial"
