package cli

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Basic authentication of the REST API, configured as a Kafka Connect
// worker's: rest.extension.classes names Kafka's
// BasicAuthSecurityRestExtension, whose JAAS login configuration (the
// JVM's java.security.auth.login.config, given through KAFKA_OPTS, or
// kconnect's own worker key) has a KafkaConnect entry of
// PropertyFileLoginModules, each naming a credentials file of "user:
// password" lines (java.util.Properties).
//
// The files are read once, at start, as Kafka Connect 4 reads each
// credentials file once and keeps it for the life of the process: a change
// takes a restart. Where Kafka Connect lets through every request when a
// credentials file holds no users, and lets a user in with an empty
// password when a line names no password, kconnect refuses to start.

const (
	keyRESTExtensions = "rest.extension.classes"
	// keyJAASFile is kconnect's own: the JAAS file, in place of the JVM's
	// -Djava.security.auth.login.config in KAFKA_OPTS.
	keyJAASFile = "kconnect.rest.jaas.config.file"

	basicAuthExtension = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
	propertyFileModule = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
	// jaasEntryName is the login context Kafka's basic auth filter uses.
	jaasEntryName = "KafkaConnect"
	jaasProperty  = "-Djava.security.auth.login.config="
)

// basicAuth is the REST API's authentication: the check rest.BasicAuth
// takes, and what to log about it.
type basicAuth struct {
	check           func(user, password string) bool
	jaasFile        string
	credentialFiles []string
	users           int
}

// parseBasicAuth reads the REST extensions of a worker configuration and,
// when basic auth is one, its JAAS file and credentials files. It returns
// nil without rest.extension.classes. kafkaOpts is the KAFKA_OPTS
// environment variable. Errors name the file and line, or the key; they
// never show a password, nor any value of a JAAS file, which may hold
// other programs' secrets.
func parseBasicAuth(file string, props map[string]string, kafkaOpts string) (*basicAuth, error) {
	enabled := false
	for class := range strings.SplitSeq(props[keyRESTExtensions], ",") {
		switch class = strings.TrimSpace(class); class {
		case "":
		case basicAuthExtension:
			enabled = true
		default:
			return nil, fmt.Errorf("%s: %s: unknown REST extension %s: kconnect has %s only", file, keyRESTExtensions, class, basicAuthExtension)
		}
	}
	jaasFile := strings.TrimSpace(props[keyJAASFile])
	if !enabled {
		if jaasFile != "" {
			return nil, fmt.Errorf("%s: %s: a JAAS file is read only for basic auth: add %s=%s", file, keyJAASFile, keyRESTExtensions, basicAuthExtension)
		}
		return nil, nil
	}
	if jaasFile == "" {
		jaasFile = jaasFromKafkaOpts(kafkaOpts)
	}
	if jaasFile == "" {
		return nil, fmt.Errorf("%s: %s: %s needs a JAAS file with a %s entry: set %s, or %s<file> in KAFKA_OPTS",
			file, keyRESTExtensions, basicAuthExtension, jaasEntryName, keyJAASFile, jaasProperty)
	}
	modules, err := readJAASEntry(jaasFile, jaasEntryName)
	if err != nil {
		return nil, err
	}
	a := &basicAuth{jaasFile: jaasFile}
	checks := make([]func(user, password string) bool, len(modules))
	for i, m := range modules {
		if m.class != propertyFileModule {
			return nil, fmt.Errorf("%s:%d: login module %s: kconnect's basic auth has %s only", jaasFile, m.line, m.class, propertyFileModule)
		}
		path := m.options["file"]
		if strings.TrimSpace(path) == "" {
			return nil, fmt.Errorf("%s:%d: %s needs its credentials file: file=\"/path/credentials.properties\"", jaasFile, m.line, propertyFileModule)
		}
		creds, err := readCredentials(path)
		if err != nil {
			return nil, err
		}
		a.credentialFiles = append(a.credentialFiles, path)
		a.users += len(creds)
		checks[i] = creds.check
	}
	a.check = func(user, password string) bool { return jaasLogin(modules, checks, user, password) }
	return a, nil
}

// jaasFromKafkaOpts returns the file of -Djava.security.auth.login.config
// in KAFKA_OPTS, as the JVM reads it: the last one given, its value a file
// name or a file: URL, "==" (only this file) read as "=".
func jaasFromKafkaOpts(opts string) string {
	var path string
	for _, f := range strings.Fields(opts) {
		if v, ok := strings.CutPrefix(f, jaasProperty); ok {
			path = strings.Trim(strings.TrimPrefix(v, "="), `"'`)
		}
	}
	if u, err := url.Parse(path); err == nil && u.Scheme == "file" {
		return u.Path
	}
	return path
}

// jaasLogin runs a login over the modules of a JAAS entry as a
// javax.security.auth.login.LoginContext does with their flags: every
// required and requisite module must succeed (a requisite one failing
// ends the login), a sufficient one succeeding ends it when none failed
// before it, and without required or requisite modules at least one
// must succeed.
func jaasLogin(modules []jaasModule, checks []func(string, string) bool, user, password string) bool {
	failed, anyOK, anyRequired := false, false, false
	for i, m := range modules {
		ok := checks[i](user, password)
		anyOK = anyOK || ok
		switch m.flag {
		case "required":
			anyRequired = true
			failed = failed || !ok
		case "requisite":
			anyRequired = true
			if !ok {
				return false
			}
		case "sufficient":
			if ok && !failed {
				return true
			}
		}
	}
	if anyRequired {
		return !failed
	}
	return anyOK
}

// credentials are a credentials file's users and the SHA-256 of each
// password: comparing two digests in constant time reveals neither the
// password nor its length.
type credentials map[string][sha256.Size]byte

func (c credentials) check(user, password string) bool {
	want, known := c[user]
	got := sha256.Sum256([]byte(password))
	match := subtle.ConstantTimeCompare(want[:], got[:]) == 1
	return known && match && user != ""
}

// readCredentials reads a PropertyFileLoginModule's credentials file, a
// properties file of user: password (or user=password) lines.
func readCredentials(path string) (credentials, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	joined, lines := joinContinuations(data)
	creds := credentials{}
	for i, line := range strings.Split(strings.TrimSuffix(string(joined), "\n"), "\n") {
		if i >= len(lines) {
			break // an empty file
		}
		// Each logical line on its own, to know the line of each user.
		p, err := parseProperties(path, []byte(line))
		if err != nil {
			// The parser's message may quote the line: a password.
			return nil, fmt.Errorf("%s:%d: not a credentials line: want user: password", path, lines[i])
		}
		for _, user := range p.keys {
			if p.values[user] == "" {
				return nil, fmt.Errorf("%s:%d: user %s has no password: want user: password", path, lines[i], user)
			}
			creds[user] = sha256.Sum256([]byte(p.values[user]))
		}
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("%s: no users: want user: password lines (Kafka Connect would let every request through)", path)
	}
	return creds, nil
}

// jaasModule is one login module of a JAAS entry.
type jaasModule struct {
	class   string
	flag    string // required, requisite, sufficient or optional
	options map[string]string
	line    int
}

// readJAASEntry reads the login modules of the entry name in the JAAS
// login configuration file at path, in the syntax Java's ConfigFile
// reads:
//
//	Name { module.Class flag key="value" key2=value2; ... };
//
// with // and /* */ comments. Other entries are read past.
func readJAASEntry(path, name string) ([]jaasModule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("JAAS file: %w", err)
	}
	lx := &jaasLexer{path: path, s: string(data), line: 1}
	var found []jaasModule
	seen := false
	for {
		tok, err := lx.next()
		if err != nil {
			return nil, err
		}
		if tok.kind == tokEOF {
			break
		}
		if tok.kind != tokWord && tok.kind != tokQuoted {
			return nil, lx.errorf(tok, "want the name of a login entry")
		}
		modules, err := lx.entry()
		if err != nil {
			return nil, err
		}
		if tok.text == name {
			seen = true
			found = append(found, modules...)
		}
	}
	if !seen {
		return nil, fmt.Errorf("%s: no %s entry: want %s { %s required file=\"/path/credentials.properties\"; };", path, name, name, propertyFileModule)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%s: the %s entry has no login module", path, name)
	}
	return found, nil
}

type jaasTokKind int

const (
	tokEOF jaasTokKind = iota
	tokWord
	tokQuoted
	tokPunct // { } ; =
)

type jaasTok struct {
	kind jaasTokKind
	text string
	line int
}

// jaasLexer splits a JAAS file into tokens. Its errors give the line and
// never the text read.
type jaasLexer struct {
	path string
	s    string
	i    int
	line int
}

func (lx *jaasLexer) errorf(tok jaasTok, format string, args ...any) error {
	return fmt.Errorf("%s:%d: not a valid JAAS file: %s", lx.path, tok.line, fmt.Sprintf(format, args...))
}

func isJAASWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 ||
		strings.IndexByte("$_-*./:\\~+@!%,?[]()<>|&", c) >= 0
}

func (lx *jaasLexer) next() (jaasTok, error) {
	for lx.i < len(lx.s) {
		c := lx.s[lx.i]
		switch {
		case c == '\n':
			lx.line++
			lx.i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			lx.i++
		case strings.HasPrefix(lx.s[lx.i:], "//"):
			for lx.i < len(lx.s) && lx.s[lx.i] != '\n' {
				lx.i++
			}
		case strings.HasPrefix(lx.s[lx.i:], "/*"):
			start := lx.line
			end := strings.Index(lx.s[lx.i+2:], "*/")
			if end < 0 {
				return jaasTok{}, lx.errorf(jaasTok{line: start}, "a comment that does not end")
			}
			lx.line += strings.Count(lx.s[lx.i:lx.i+2+end], "\n")
			lx.i += end + 4
		case c == '{' || c == '}' || c == ';' || c == '=':
			lx.i++
			return jaasTok{kind: tokPunct, text: string(c), line: lx.line}, nil
		case c == '"' || c == '\'':
			return lx.quoted(c)
		case isJAASWordByte(c):
			start := lx.i
			for lx.i < len(lx.s) && isJAASWordByte(lx.s[lx.i]) {
				lx.i++
			}
			return jaasTok{kind: tokWord, text: lx.s[start:lx.i], line: lx.line}, nil
		default:
			return jaasTok{}, lx.errorf(jaasTok{line: lx.line}, "an unexpected character")
		}
	}
	return jaasTok{kind: tokEOF, line: lx.line}, nil
}

// quoted reads a quoted string, with Java's backslash escapes of the
// quote and the backslash.
func (lx *jaasLexer) quoted(q byte) (jaasTok, error) {
	start := lx.line
	var b strings.Builder
	for lx.i++; lx.i < len(lx.s); lx.i++ {
		c := lx.s[lx.i]
		switch {
		case c == q:
			lx.i++
			return jaasTok{kind: tokQuoted, text: b.String(), line: start}, nil
		case c == '\n':
			return jaasTok{}, lx.errorf(jaasTok{line: start}, "a quoted string that does not end on its line")
		case c == '\\' && lx.i+1 < len(lx.s):
			lx.i++
			switch e := lx.s[lx.i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return jaasTok{}, lx.errorf(jaasTok{line: start}, "a quoted string that does not end")
}

// expect reads a punctuation token.
func (lx *jaasLexer) expect(p, what string) error {
	tok, err := lx.next()
	if err != nil {
		return err
	}
	if tok.kind != tokPunct || tok.text != p {
		return lx.errorf(tok, "want %q %s", p, what)
	}
	return nil
}

// entry reads "{ module* };" after an entry's name.
func (lx *jaasLexer) entry() ([]jaasModule, error) {
	if err := lx.expect("{", "after the entry's name"); err != nil {
		return nil, err
	}
	var modules []jaasModule
	for {
		tok, err := lx.next()
		if err != nil {
			return nil, err
		}
		if tok.kind == tokPunct && tok.text == "}" {
			break
		}
		if tok.kind != tokWord {
			return nil, lx.errorf(tok, "want a login module's class name or \"}\"")
		}
		m := jaasModule{class: tok.text, options: map[string]string{}, line: tok.line}
		flag, err := lx.next()
		if err != nil {
			return nil, err
		}
		m.flag = strings.ToLower(flag.text)
		switch {
		case flag.kind != tokWord:
			return nil, lx.errorf(flag, "want the flag of login module %s: required, requisite, sufficient or optional", m.class)
		case m.flag != "required" && m.flag != "requisite" && m.flag != "sufficient" && m.flag != "optional":
			return nil, lx.errorf(flag, "login module %s: the flag must be required, requisite, sufficient or optional", m.class)
		}
		for {
			key, err := lx.next()
			if err != nil {
				return nil, err
			}
			if key.kind == tokPunct && key.text == ";" {
				break
			}
			if key.kind != tokWord {
				return nil, lx.errorf(key, "login module %s: want an option (key=value) or \";\"", m.class)
			}
			if err := lx.expect("=", "after option "+key.text); err != nil {
				return nil, err
			}
			v, err := lx.next()
			if err != nil {
				return nil, err
			}
			if v.kind != tokWord && v.kind != tokQuoted {
				return nil, lx.errorf(v, "option %s of login module %s has no value", key.text, m.class)
			}
			m.options[key.text] = v.text
		}
		modules = append(modules, m)
	}
	if err := lx.expect(";", "after the entry's \"}\""); err != nil {
		return nil, err
	}
	return modules, nil
}
