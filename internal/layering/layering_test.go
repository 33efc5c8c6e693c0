// Package layering holds a test that enforces kconnect's import layers, so
// the architecture survives many hands editing the tree at once.
//
// The layers, bottom to top, each a set of folders named in one table
// (layers, below) that ARCHITECTURE.md's diagram repeats:
//
//  1. connect: the vocabulary (records, schemas, values, configs). Standard
//     library only, so every other layer and every user can depend on it
//     without pulling anything in.
//  2. source, sink, transform, converter, offset, connecttest,
//     configprovider and their subpackages: the contracts and their
//     implementations, which connectors and the runtime share. They may
//     use connect, each other, internal/... and third-party modules.
//  3. connectors: source/<name>/..., sink/<name>/.... Each stands alone, so
//     a user can copy or drop one; they never import each other. Code that
//     a family's source and sink share lives in internal/<family>.
//  4. runtime/...: the engine, the herders, the embedded broker, metrics,
//     log levels and the REST API. Only the runtime itself and programs may
//     import it, so connectors and building blocks stay usable without it.
//     Within it, runtime/herder imports no other runtime package: every
//     herder and the REST API import it; runtime/rest imports only it and
//     runtime/loglevels, which imports none.
//  5. programs: cmd/... and examples/....
//
// internal/... serves every layer. Every package of the module must be in
// the table: a new top-level folder is placed there before it is used.
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
	kindAPI                    // layer 1, the vocabulary
	kindBlock                  // layer 2, contracts and implementations
	kindConnector              // layer 3, connectors
	kindRuntime                // layer 4, runtime/...
	kindProgram                // layer 5, cmd/... and examples/...
	kindInternal               // internal/..., serving every layer
	kindOther                  // a package of the module the table does not place
)

var kindNames = map[kind]string{
	kindStd: "standard library", kindThirdParty: "third-party", kindAPI: "connect vocabulary",
	kindBlock: "layer-2 package", kindConnector: "connector", kindRuntime: "runtime (runtime/...)",
	kindProgram: "program", kindInternal: "internal", kindOther: "unplaced module package",
}

func (k kind) String() string { return kindNames[k] }

// layers places the module's folders. A package takes the kind of the
// longest entry that holds it: dir itself and everything below it, or with
// a trailing "/*" only what is below dir's children (so source/file is a
// connector while source is a contract).
var layers = []struct {
	dir  string
	kind kind
}{
	{"connect", kindAPI},
	{"source", kindBlock},
	{"sink", kindBlock},
	{"transform", kindBlock},
	{"converter", kindBlock},
	{"offset", kindBlock},
	{"connecttest", kindBlock},
	{"configprovider", kindBlock},
	{"source/*", kindConnector},
	{"sink/*", kindConnector},
	{"runtime", kindRuntime},
	{"runtime/cli", kindRuntime},         // the worker program as a library, over the rest of the runtime
	{"runtime/cli/all", kindRuntime},     // every plugin that comes with kconnect, as options of the program
	{"runtime/distributed", kindRuntime}, // the distributed herder, over the worker's engine and the distributed building blocks
	{"cmd", kindProgram},
	{"examples", kindProgram},
	{"internal", kindInternal},
	// Distributed mode's building blocks, for the distributed herder.
	{"internal/connectproto", kindInternal}, // the Connect group protocol's bytes
	{"internal/configtopic", kindInternal},  // the config topic (KafkaConfigBackingStore)
	{"internal/statustopic", kindInternal},  // the status topic (KafkaStatusBackingStore)
	{"internal/workergroup", kindInternal},  // a worker's group membership (WorkerCoordinator)
	{"internal/jvmworker", kindInternal},    // tests: a live JVM distributed worker to check against

	{"internal/connectassign", kindInternal}, // the leader's assignors (EagerAssignor, IncrementalCooperativeAssignor)
	// What the schema-registry converters share: registry client, keys, subject strategies.
	{"internal/schemaregistry", kindInternal},
	// What the MongoDB source and sink share: client, credential redaction, Connect values as BSON.
	{"internal/mongodb", kindInternal},
}

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
	}
	best, bestLen := kindOther, -1
	for _, l := range layers {
		dir, children := strings.CutSuffix(l.dir, "/*")
		match := under(r, dir)
		if children {
			match = strings.HasPrefix(r, dir+"/")
		}
		if match && len(l.dir) > bestLen {
			best, bestLen = l.kind, len(l.dir)
		}
	}
	return best
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
		name: "connectors never import each other",
		from: is(kindConnector),
		check: func(pkg, imp string, k kind) string {
			if k == kindConnector && connectorOf(imp) != connectorOf(pkg) {
				return "imports connector " + connectorOf(imp)
			}
			return ""
		},
	},
	{
		name: "only the runtime and programs import the runtime",
		from: func(k kind) bool { return k != kindRuntime && k != kindProgram },
		check: func(_, _ string, k kind) string {
			if k == kindRuntime {
				return "imports the runtime"
			}
			return ""
		},
	},
	{
		name: "nothing imports a program",
		from: func(kind) bool { return true },
		check: func(_, _ string, k kind) string {
			if k == kindProgram {
				return "imports a program"
			}
			return ""
		},
	},
	{
		// Every herder (standalone, distributed) and the REST API import
		// runtime/herder; it importing one of them would be a cycle.
		name: "runtime/herder imports no other runtime package",
		from: is(kindRuntime),
		check: func(pkg, _ string, k kind) string {
			if r, _ := rel(pkg); r == "runtime/herder" && k == kindRuntime {
				return "imports the runtime"
			}
			return ""
		},
	},
	{
		// The REST API serves any herder, so it knows the runtime only
		// through runtime/herder and the log levels it shows; and those
		// log levels are any program's, so they know no runtime at all.
		name: "runtime/rest imports only runtime/herder and runtime/loglevels of the runtime; runtime/loglevels none",
		from: is(kindRuntime),
		check: func(pkg, imp string, k kind) string {
			if k != kindRuntime {
				return ""
			}
			switch r, _ := rel(pkg); r {
			case "runtime/rest":
				if i, _ := rel(imp); i != "runtime/herder" && i != "runtime/loglevels" {
					return "imports the runtime beyond runtime/herder and runtime/loglevels"
				}
			case "runtime/loglevels":
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
		if from == kindOther {
			out = append(out, p.ImportPath+" is in no layer: add its folder to the layers table")
		}
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
		{ImportPath: m("connecttest"), Imports: []string{m("source"), m("sink"), m("internal/goroutines")}},
		{ImportPath: m("sink/jdbc"), Imports: []string{m("sink"), m("connect"), m("sink/jdbc/internal/dialect"), m("internal/jdbc"), "database/sql"}},
		{ImportPath: m("runtime/worker"), Imports: []string{m("runtime/herder"), m("source/file"), m("offset")}},
		{ImportPath: m("examples/standalone"), Imports: []string{m("runtime/worker"), m("sink/jdbc")}},
		{ImportPath: m("cmd/kconnect"), Imports: []string{m("runtime/worker"), m("runtime/rest")}},
		{ImportPath: "github.com/x/y", Imports: []string{m("runtime/worker")}}, // not ours: ignored
		// Violations.
		{ImportPath: m("connect"), Imports: []string{"github.com/x/y", m("internal/x")}},
		{ImportPath: m("transform"), Imports: []string{m("source/file"), m("runtime/worker")}},
		{ImportPath: m("source/file"), Imports: []string{m("sink/jdbc"), m("runtime/worker")}},
		{ImportPath: m("internal/testkafka"), Imports: []string{m("runtime/worker")}},
		{ImportPath: m("runtime/herder"), Imports: []string{m("connect"), m("runtime/worker")}},
		{ImportPath: m("runtime/rest"), Imports: []string{m("cmd/kconnect"), m("runtime/herder"), m("runtime/loglevels"), m("runtime/worker")}},
		{ImportPath: m("runtime/loglevels"), Imports: []string{"log/slog", m("runtime/herder")}},
		{ImportPath: m("tools/x"), Imports: []string{m("connect")}},
	}
	got := violations(pkgs, std)
	want := []string{
		m("runtime/herder") + " imports " + m("runtime/worker") + ": imports the runtime (rule: runtime/herder imports no other runtime package)",
		m("runtime/rest") + " imports " + m("cmd/kconnect") + ": imports a program (rule: nothing imports a program)",
		m("runtime/rest") + " imports " + m("runtime/worker") + ": imports the runtime beyond runtime/herder and runtime/loglevels (rule: runtime/rest imports only runtime/herder and runtime/loglevels of the runtime; runtime/loglevels none)",
		m("runtime/loglevels") + " imports " + m("runtime/herder") + ": imports the runtime (rule: runtime/rest imports only runtime/herder and runtime/loglevels of the runtime; runtime/loglevels none)",
		m("connect") + " imports " + m("internal/x") + ": internal import is not allowed here (rule: connect imports only the standard library)",
		m("connect") + " imports github.com/x/y: third-party import is not allowed here (rule: connect imports only the standard library)",
		m("internal/testkafka") + " imports " + m("runtime/worker") + ": imports the runtime (rule: only the runtime and programs import the runtime)",
		m("source/file") + " imports " + m("runtime/worker") + ": imports the runtime (rule: only the runtime and programs import the runtime)",
		m("source/file") + " imports " + m("sink/jdbc") + ": imports connector sink/jdbc (rule: connectors never import each other)",
		m("tools/x") + " is in no layer: add its folder to the layers table",
		m("transform") + " imports " + m("runtime/worker") + ": runtime (runtime/...) import is not allowed here (rule: layer 2 imports only std, connect, layer 2, internal and third-party)",
		m("transform") + " imports " + m("runtime/worker") + ": imports the runtime (rule: only the runtime and programs import the runtime)",
		m("transform") + " imports " + m("source/file") + ": connector import is not allowed here (rule: layer 2 imports only std, connect, layer 2, internal and third-party)",
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations mismatch\ngot:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
