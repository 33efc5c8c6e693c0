package cli_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/stretchr/testify/require"
)

const (
	basicAuthExtension = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
	propertyFileModule = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
	secretPassword     = "pa55-w0rd-n0t-for-logs"
)

// authFiles writes a credentials file and a JAAS file naming it, as Kafka
// Connect's documentation has them, and returns the JAAS file's path.
func authFiles(t *testing.T, dir string) string {
	t.Helper()
	creds := writeFile(t, filepath.Join(dir, "credentials.properties"),
		"# user: password\nalice: "+secretPassword+"\nbob=other\n")
	return writeFile(t, filepath.Join(dir, "jaas.conf"), `// another program's entry, read past
KafkaServer {
    org.apache.kafka.common.security.plain.PlainLoginModule required
    username="admin" password="broker-secret";
};
KafkaConnect {
    `+propertyFileModule+` required
    file="`+creds+`";
};
`)
}

// authGet does a GET with basic auth credentials (none when user is ""),
// returning the status and body.
func authGet(t *testing.T, url, user, password string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// rest.extension.classes=BasicAuthSecurityRestExtension, with the JAAS file
// of KAFKA_OPTS' -Djava.security.auth.login.config or of kconnect's key,
// makes every REST request and /metrics need a user and password of the
// credentials file; refused ones get Kafka Connect's 401.
func TestBasicAuthFromWorkerProperties(t *testing.T) {
	dir := t.TempDir()
	jaas := authFiles(t, dir)
	for _, tc := range []struct {
		name, props, kafkaOpts string
	}{
		{"KAFKA_OPTS", "", "-Xms256M -Djava.security.auth.login.config=" + jaas + " -Dfoo=bar"},
		{"worker key", "kconnect.rest.jaas.config.file=" + jaas + "\n", "-Djava.security.auth.login.config=/nonexistent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KAFKA_OPTS", tc.kafkaOpts)
			w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=http://127.0.0.1:0\n"+
				"rest.extension.classes="+basicAuthExtension+"\n"+tc.props)
			r := start(t, []string{"standalone", w})
			base := r.ready.Listeners[0]
			for _, path := range []string{"", "connectors", "connectors/nope/status", "metrics"} {
				status, body := authGet(t, base+path, "", "")
				require.Equal(t, http.StatusUnauthorized, status, path)
				require.Equal(t, "User cannot access the resource.", body, path)
				status, _ = authGet(t, base+path, "alice", "wrong")
				require.Equal(t, http.StatusUnauthorized, status, path)
				status, _ = authGet(t, base+path, "carol", secretPassword)
				require.Equal(t, http.StatusUnauthorized, status, path)
				status, _ = authGet(t, base+path, "alice", secretPassword[:len(secretPassword)-1])
				require.Equal(t, http.StatusUnauthorized, status, path)
			}
			status, body := authGet(t, base+"connectors", "alice", secretPassword)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, "[]", body)
			status, _ = authGet(t, base+"metrics", "bob", "other")
			require.Equal(t, http.StatusOK, status)

			// kconnect status sends the URL's user and password, and never
			// shows the password.
			withUser := strings.Replace(base, "://", "://alice:"+secretPassword+"@", 1)
			var out, errOut syncbuf.Buffer
			require.Equal(t, 0, cli.Main(context.Background(), []string{"status", withUser}, cli.Output(nil, &out, &errOut)), errOut.String())
			require.Contains(t, out.String(), "CONNECTOR")
			wrong := strings.Replace(base, "://", "://alice:"+secretPassword+"x@", 1)
			require.Equal(t, cli.ExitConfig, cli.Main(context.Background(), []string{"status", wrong}, cli.Output(nil, &out, &errOut)))
			require.Contains(t, errOut.String(), "401 Unauthorized: User cannot access the resource.")
			require.NotContains(t, errOut.String(), secretPassword)
			require.NoError(t, r.stop(t))
			logs := r.logs.String()
			require.Contains(t, logs, "the REST API requires basic authentication")
			require.NotContains(t, logs, "worker key not supported")
			require.NotContains(t, logs, secretPassword)
			require.NotContains(t, logs, "broker-secret")
		})
	}
}

// A REST extension kconnect does not have, a JAAS file or credentials
// file that is missing or malformed, are errors at start naming the class,
// or the file and line, and never showing a password.
func TestBasicAuthErrors(t *testing.T) {
	dir := t.TempDir()
	good := authFiles(t, dir)
	file := func(name, text string) string { return writeFile(t, filepath.Join(dir, name), text) }
	jaasFor := func(name, creds string) string {
		return file(name, "KafkaConnect {\n  "+propertyFileModule+" required\n  file=\""+creds+"\";\n};\n")
	}
	for _, tc := range []struct {
		name, props, kafkaOpts string
		want                   []string
	}{
		{"unknown extension", "rest.extension.classes=" + basicAuthExtension + ", com.example.MyExtension\n", "",
			[]string{"rest.extension.classes", "com.example.MyExtension"}},
		{"no JAAS file", "rest.extension.classes=" + basicAuthExtension + "\n", "-Xmx1G",
			[]string{"rest.extension.classes", "kconnect.rest.jaas.config.file", "-Djava.security.auth.login.config="}},
		{"JAAS file without the extension", "kconnect.rest.jaas.config.file=" + good + "\n", "",
			[]string{"kconnect.rest.jaas.config.file", "rest.extension.classes"}},
		{"missing JAAS file", "rest.extension.classes=" + basicAuthExtension + "\n",
			"-Djava.security.auth.login.config=" + filepath.Join(dir, "missing.conf"),
			[]string{filepath.Join(dir, "missing.conf")}},
		{"no KafkaConnect entry", "rest.extension.classes=" + basicAuthExtension + "\nkconnect.rest.jaas.config.file=" +
			file("other.conf", "KafkaServer {\n  x.Y required password=\""+secretPassword+"\";\n};\n") + "\n", "",
			[]string{"other.conf", "no KafkaConnect entry"}},
		{"malformed JAAS file", "rest.extension.classes=" + basicAuthExtension + "\nkconnect.rest.jaas.config.file=" +
			file("bad.conf", "KafkaServer {\n  x.Y required password=\""+secretPassword+"\"\n};\nKafkaConnect {\n") + "\n", "",
			[]string{"bad.conf:3:"}},
		{"bad flag", "rest.extension.classes=" + basicAuthExtension + "\nkconnect.rest.jaas.config.file=" +
			file("flag.conf", "KafkaConnect {\n  "+propertyFileModule+" mandatory file=\"x\";\n};\n") + "\n", "",
			[]string{"flag.conf:2:", "required, requisite, sufficient or optional"}},
		{"another login module", "rest.extension.classes=" + basicAuthExtension + "\nkconnect.rest.jaas.config.file=" +
			file("ldap.conf", "KafkaConnect {\n  com.sun.security.auth.module.LdapLoginModule required;\n};\n") + "\n", "",
			[]string{"ldap.conf:2:", "com.sun.security.auth.module.LdapLoginModule"}},
		{"no credentials file option", "rest.extension.classes=" + basicAuthExtension + "\nkconnect.rest.jaas.config.file=" +
			file("nofile.conf", "KafkaConnect {\n  "+propertyFileModule+" required;\n};\n") + "\n", "",
			[]string{"nofile.conf:2:", "credentials file"}},
		{"missing credentials file", "rest.extension.classes=" + basicAuthExtension + "\nkconnect.rest.jaas.config.file=" +
			jaasFor("j1.conf", filepath.Join(dir, "nocreds.properties")) + "\n", "",
			[]string{filepath.Join(dir, "nocreds.properties")}},
		{"user without password", "rest.extension.classes=" + basicAuthExtension + "\nkconnect.rest.jaas.config.file=" +
			jaasFor("j2.conf", file("nopw.properties", "alice: "+secretPassword+"\n\n# bob\nbob\n")) + "\n", "",
			[]string{"nopw.properties:4:", "bob has no password"}},
		{"no users", "rest.extension.classes=" + basicAuthExtension + "\nkconnect.rest.jaas.config.file=" +
			jaasFor("j3.conf", file("empty.properties", "# nobody\n")) + "\n", "",
			[]string{"empty.properties", "no users"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KAFKA_OPTS", tc.kafkaOpts)
			w := file("w.properties", "listeners=http://127.0.0.1:0\n"+tc.props)
			var errOut syncbuf.Buffer
			// A worker that starts is stopped, and fails the test.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			code := cli.Main(ctx, []string{"standalone", w}, cli.Output(strings.NewReader(""), io.Discard, &errOut),
				cli.OnReady(func(cli.Ready) { cancel() }))
			require.Equal(t, cli.ExitConfig, code, errOut.String())
			for _, want := range tc.want {
				require.Contains(t, errOut.String(), want)
			}
			require.NotContains(t, errOut.String(), secretPassword)
			require.False(t, strings.Contains(errOut.String(), "started an embedded"), "nothing starts: %s", errOut.String())
		})
	}
}
