// Package layering holds a test that enforces kconnect's import layers, so
// the architecture survives many hands editing the tree at once.
//
// The layers, bottom to top:
//
//  1. connect: the public API (records, schemas, connector and task
//     interfaces). Standard library only, so every other layer and every
//     user can depend on it without pulling anything in.
//  2. source, sink, transform, converter, offset and their subpackages: the
//     building blocks connectors and the runtime share. They may use connect,
//     each other, internal/... and third-party modules.
//  3. reference connectors: source/<name>/..., sink/<name>/.... Each stands
//     alone, so a user can copy or drop one; they never import each other.
//  4. connect/<sub>/...: the runtime (workers, herder, REST...). Only the
//     runtime itself and examples/... may import it, so connectors and
//     building blocks stay usable without the runtime. Within it,
//     connect/herder imports no other runtime package: every herder and
//     the REST API import it.
//
// Only a package's own (non-test) imports are checked: tests may reach across
// layers, e.g. a connector's test running it inside the runtime.
package layering

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/kconnect-go/kconnect"

// kind is a package's place in the layering.
type kind int

const (
	kindStd        kind = iota // the standard library (and cgo's "C")
	kindThirdParty             // outside this module
	kindAPI                    // connect itself (layer 1)
	kindBlock                  // layer 2 building blocks
	kindConnector              // layer 3 reference connectors
	kindRuntime                // layer 4, connect/<sub>/...
	kindInternal               // internal/...
	kindExample                // examples/...
	kindOther                  // anything else in the module (the root, cmd/...)
)

var kindNames = map[kind]string{
	kindStd: "standard library", kindThirdParty: "third-party", kindAPI: "connect API",
	kindBlock: "layer-2 package", kindConnector: "reference connector", kindRuntime: "runtime (connect/...)",
	kindInternal: "internal", kindExample: "example", kindOther: "other module package",
}

func (k kind) String() string { return kindNames[k] }

// layer2Roots are the building-block trees; source/<x> and sink/<x> below
// them are connectors instead.
var layer2Roots = []string{"source", "sink", "transform", "converter", "offset"}

// rel returns path relative to the module ("" for the module root) and
// whether path is in the module at all.
func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

func under(r, dir string) bool { return r == dir || strings.HasPrefix(r, dir+"/") }

// classify places an import path into a kind; std reports whether a path
// outside the module belongs to the standard library.
func classify(path string, std func(string) bool) kind {
	r, ok := rel(path)
	switch {
	case !ok && (path == "C" || std(path)):
		return kindStd
	case !ok:
		return kindThirdParty
	case r == "connect":
		return kindAPI
	case under(r, "connect"):
		return kindRuntime
	case strings.HasPrefix(r, "source/") || strings.HasPrefix(r, "sink/"):
		return kindConnector
	case under(r, "internal"):
		return kindInternal
	case under(r, "examples"):
		return kindExample
	}
	for _, root := range layer2Roots {
		if under(r, root) {
			return kindBlock
		}
	}
	return kindOther
}

// connectorOf names the connector a path belongs to, e.g. "sink/jdbc" for
// ".../sink/jdbc/internal/dialect"; "" when it is not in a connector.
func connectorOf(path string) string {
	r, _ := rel(path)
	parts := strings.SplitN(r, "/", 3)
	if len(parts) < 2 || (parts[0] != "source" && parts[0] != "sink") {
		return ""
	}
	return parts[0] + "/" + parts[1]
}

// rule is one line of the layering table: for packages of kind from, check
// says why importing imp is wrong, or "" if it is fine.
type rule struct {
	name  string
	from  func(k kind) bool
	check func(pkg, imp string, impKind kind) string
}

func is(ks ...kind) func(kind) bool {
	return func(k kind) bool {
		for _, x := range ks {
			if k == x {
				return true
			}
		}
		return false
	}
}

func allowOnly(ks ...kind) func(pkg, imp string, impKind kind) string {
	ok := is(ks...)
	return func(_, _ string, k kind) string {
		if ok(k) {
			return ""
		}
		return k.String() + " import is not allowed here"
	}
}

var rules = []rule{
	{
		name:  "connect imports only the standard library",
		from:  is(kindAPI),
		check: allowOnly(kindStd),
	},
	{
		name:  "layer 2 imports only std, connect, layer 2, internal and third-party",
		from:  is(kindBlock),
		check: allowOnly(kindStd, kindAPI, kindBlock, kindInternal, kindThirdParty),
	},
	{
		name: "reference connectors never import each other",
		from: is(kindConnector),
		check: func(pkg, imp string, k kind) string {
			if k == kindConnector && connectorOf(imp) != connectorOf(pkg) {
				return "imports connector " + connectorOf(imp)
			}
			return ""
		},
	},
	{
		name: "only the runtime and examples import the runtime (connect/...)",
		from: func(k kind) bool { return k != kindRuntime && k != kindExample },
		check: func(_, _ string, k kind) string {
			if k == kindRuntime {
				return "imports the runtime"
			}
			return ""
		},
	},
	{
		// Every herder (standalone, distributed) and the REST API import
		// connect/herder; it importing one of them would be a cycle.
		name: "connect/herder imports no other runtime package",
		from: is(kindRuntime),
		check: func(pkg, _ string, k kind) string {
			if r, _ := rel(pkg); r == "connect/herder" && k == kindRuntime {
				return "imports the runtime"
			}
			return ""
		},
	},
}

// pkg is the part of "go list -json" output the rules need.
type pkg struct {
	ImportPath string
	Standard   bool
	Imports    []string
	DepOnly    bool
}

// violations applies every rule to every package of the module in pkgs and
// returns one line per broken rule, sorted.
func violations(pkgs []pkg, std func(string) bool) []string {
	var out []string
	for _, p := range pkgs {
		if _, ok := rel(p.ImportPath); !ok {
			continue
		}
		from := classify(p.ImportPath, std)
		for _, r := range rules {
			if !r.from(from) {
				continue
			}
			for _, imp := range p.Imports {
				if why := r.check(p.ImportPath, imp, classify(imp, std)); why != "" {
					out = append(out, fmt.Sprintf("%s imports %s: %s (rule: %s)", p.ImportPath, imp, why, r.name))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod, so the test works from any package directory.
func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// goList runs "go list -deps -json ./..." in the module root. -deps brings in
// every imported package with its Standard flag, which is how std imports are
// told apart from third-party ones without a hard-coded list.
func goList(t *testing.T) []pkg {
	root := moduleRoot(t)
	cmd := exec.Command("go", "list", "-deps", "-json", "./...")
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list -deps -json ./... in %s failed: %v\n%s", root, err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&stdout)
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestLayering checks the real tree against the rules.
func TestLayering(t *testing.T) {
	pkgs := goList(t)
	stdPkgs := make(map[string]bool)
	ours := 0
	for _, p := range pkgs {
		if p.Standard {
			stdPkgs[p.ImportPath] = true
		}
		if _, ok := rel(p.ImportPath); ok {
			ours++
		}
	}
	if ours == 0 {
		t.Fatal("go list found no packages of the module; the test is not looking at the tree")
	}
	std := func(path string) bool { return stdPkgs[path] }
	if v := violations(pkgs, std); len(v) > 0 {
		t.Errorf("%d import-layering violation(s):\n  %s", len(v), strings.Join(v, "\n  "))
	}
}

// TestRulesCatchViolations proves the table works on a made-up tree, since
// the real tree may not (yet) contain every kind of package.
func TestRulesCatchViolations(t *testing.T) {
	std := func(path string) bool { return !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }
	m := func(r string) string { return module + "/" + r }
	pkgs := []pkg{
		// Allowed.
		{ImportPath: m("connect"), Imports: []string{"context", "fmt"}},
		{ImportPath: m("converter/jsonconv"), Imports: []string{"encoding/json", m("connect"), m("internal/x"), "github.com/x/y"}},
		{ImportPath: m("offset"), Imports: []string{m("converter"), m("connect")}},
		{ImportPath: m("sink/jdbc"), Imports: []string{m("sink"), m("connect"), m("sink/jdbc/internal/dialect"), "database/sql"}},
		{ImportPath: m("connect/runtime"), Imports: []string{m("connect/rest"), m("source/file"), m("offset")}},
		{ImportPath: m("examples/standalone"), Imports: []string{m("connect/runtime"), m("sink/jdbc")}},
		{ImportPath: "github.com/x/y", Imports: []string{m("connect/runtime")}}, // not ours: ignored
		// Violations.
		{ImportPath: m("connect"), Imports: []string{"github.com/x/y", m("internal/x")}},
		{ImportPath: m("transform"), Imports: []string{m("source/file"), m("connect/runtime")}},
		{ImportPath: m("source/file"), Imports: []string{m("sink/jdbc"), m("connect/runtime")}},
		{ImportPath: m("internal/testkafka"), Imports: []string{m("connect/worker")}},
		{ImportPath: m("connect/herder"), Imports: []string{m("connect"), m("connect/worker")}},
		{ImportPath: m("connect/worker"), Imports: []string{m("connect/herder")}}, // allowed
	}
	got := violations(pkgs, std)
	want := []string{
		m("connect/herder") + " imports " + m("connect/worker") + ": imports the runtime (rule: connect/herder imports no other runtime package)",
		m("connect") + " imports " + m("internal/x") + ": internal import is not allowed here (rule: connect imports only the standard library)",
		m("connect") + " imports github.com/x/y: third-party import is not allowed here (rule: connect imports only the standard library)",
		m("internal/testkafka") + " imports " + m("connect/worker") + ": imports the runtime (rule: only the runtime and examples import the runtime (connect/...))",
		m("source/file") + " imports " + m("connect/runtime") + ": imports the runtime (rule: only the runtime and examples import the runtime (connect/...))",
		m("source/file") + " imports " + m("sink/jdbc") + ": imports connector sink/jdbc (rule: reference connectors never import each other)",
		m("transform") + " imports " + m("connect/runtime") + ": runtime (connect/...) import is not allowed here (rule: layer 2 imports only std, connect, layer 2, internal and third-party)",
		m("transform") + " imports " + m("connect/runtime") + ": imports the runtime (rule: only the runtime and examples import the runtime (connect/...))",
		m("transform") + " imports " + m("source/file") + ": reference connector import is not allowed here (rule: layer 2 imports only std, connect, layer 2, internal and third-party)",
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations mismatch\ngot:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
