package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJAASFromKafkaOpts(t *testing.T) {
	for opts, want := range map[string]string{
		"":       "",
		"-Xmx1G": "",
		"-Djava.security.auth.login.config=/etc/connect/jaas.conf":                  "/etc/connect/jaas.conf",
		"-Djava.security.auth.login.config==/a.conf -Dx=y":                          "/a.conf",
		"-Djava.security.auth.login.config=file:///etc/jaas.conf":                   "/etc/jaas.conf",
		"-Djava.security.auth.login.config=/a -Djava.security.auth.login.config=/b": "/b",
	} {
		require.Equal(t, want, jaasFromKafkaOpts(opts), opts)
	}
}

// The modules of a JAAS entry decide together, by their flags, as a
// LoginContext decides.
func TestJAASLoginFlags(t *testing.T) {
	yes := func(string, string) bool { return true }
	no := func(string, string) bool { return false }
	login := func(flags []string, checks ...func(string, string) bool) bool {
		var ms []jaasModule
		for _, f := range flags {
			ms = append(ms, jaasModule{flag: f})
		}
		return jaasLogin(ms, checks, "u", "p")
	}
	require.True(t, login([]string{"required"}, yes))
	require.False(t, login([]string{"required"}, no))
	require.False(t, login([]string{"required", "required"}, yes, no))
	require.False(t, login([]string{"required", "sufficient"}, no, yes))
	require.True(t, login([]string{"sufficient", "required"}, yes, no))
	require.True(t, login([]string{"sufficient", "sufficient"}, no, yes))
	require.False(t, login([]string{"sufficient", "optional"}, no, no))
	require.True(t, login([]string{"required", "optional"}, yes, no))
	require.False(t, login([]string{"requisite", "sufficient"}, no, yes))
}
