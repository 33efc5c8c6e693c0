package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Each case is what java.util.Properties.load reads from the bytes, which
// is what Kafka's Utils.loadProps gives a worker or connector.
func TestPropertiesReadAsJavaReadsThem(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     map[string]string
	}{
		{"separators", "a=1\nb:2\nc 3\nd = 4\ne\t:\t5\nf\n", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": ""}},
		{"value keeps inner and trailing spaces", "k =  v w  \n", map[string]string{"k": "v w  "}},
		{"comments", "# c\n  ! c2\nk=v # not a comment\n", map[string]string{"k": "v # not a comment"}},
		{"escaped separators in key", `key\:x\=y\ z = v` + "\n", map[string]string{"key:x=y z": "v"}},
		{"escapes", `t=a\tb\nc\qd\\e\fg` + "\n", map[string]string{"t": "a\tb\ncqd\\e\fg"}},
		{"unicode escapes", `u=\u00e9\u0041\u4e2d` + "\n", map[string]string{"u": "éA中"}},
		{"surrogate pair", `e\ud83d\ude00=\uD83D\uDE00!` + "\n", map[string]string{"e😀": "😀!"}},
		{"escaped backslash before u", `p=\\ud83d\\\ud83d\ude00` + "\n", map[string]string{"p": `\ud83d\😀`}},
		{"continued value", "a=b\\\n    c\\\n\t d\nx=y\n", map[string]string{"a": "bcd", "x": "y"}},
		{"continued key", "multi\\\n  key=1\n", map[string]string{"multikey": "1"}},
		{"even backslashes do not continue", "a=b\\\\\nc=d\n", map[string]string{"a": `b\`, "c": "d"}},
		{"continuation at end of file", "end=abc\\", map[string]string{"end": "abc"}},
		{"continuation before a blank line", "a=b\\\n\nc=d\n", map[string]string{"a": "b", "c": "d"}},
		{"comment does not continue", "# c\\\nk=v\n", map[string]string{"k": "v"}},
		{"continuation line starting with #", "a=b\\\n  #c\n", map[string]string{"a": "b#c"}},
		{"CRLF and CR line ends", "a=1\r\nb=2\rc=3", map[string]string{"a": "1", "b": "2", "c": "3"}},
		{"last one wins", "k=1\nk=2\n", map[string]string{"k": "2"}},
		{"config provider references intact", "p=${file:/etc/secrets.properties:password}\nq=${env:HOME}${x}\n",
			map[string]string{"p": "${file:/etc/secrets.properties:password}", "q": "${env:HOME}${x}"}},
		// Java reads the bytes as ISO-8859-1: UTF-8's é is two characters.
		{"ISO-8859-1", "caf\xc3\xa9=\xe9\n", map[string]string{"cafÃ©": "é"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := parseProperties("test.properties", []byte(c.in))
			require.NoError(t, err)
			require.Equal(t, c.want, p.values)
		})
	}
}

func TestPropertiesErrorsNameFileAndLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a=1\nb=\\u00zz\n", "w.properties:2:"},
		{"a=1\\\n  2\n# c\nbad=\\u12\n", "w.properties:4:"},
		{"a=1\n=v\n", "w.properties:2: not a valid properties line"},
	} {
		_, err := parseProperties("w.properties", []byte(c.in))
		require.Error(t, err, c.in)
		require.ErrorContains(t, err, c.want, c.in)
	}
}

func TestPropertiesFindUTF8(t *testing.T) {
	p, err := parseProperties("x", []byte("# caf\xc3\xa9\na=1\nb=\\u00e9\nc=caf\xc3\xa9\n"))
	require.NoError(t, err)
	require.Equal(t, 4, p.utf8Line)
	p, err = parseProperties("x", []byte("a=1\nb=\xe9\n")) // ISO-8859-1 é alone is not UTF-8
	require.NoError(t, err)
	require.Equal(t, 0, p.utf8Line)
}
