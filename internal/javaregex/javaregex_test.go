package javaregex

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCompileWhole(t *testing.T) {
	tests := []struct {
		expr  string
		input string
		want  bool
	}{
		{"orders", "orders", true},
		{"orders", "orders-raw", false}, // a full match, not a search
		{"orders", "my-orders", false},
		{".*-raw", "orders-raw", true},
		{"a|ab", "ab", true}, // the whole input, whichever alternative
		{"(?i)ORDERS", "orders", true},
		{`\p{Lower}+`, "abc", true},
		{`\p{Lower}+`, "aBc", false},
		{`\P{Digit}+`, "abc", true},
		{`[\p{Digit}x]+`, "1x2", true},
		{`\Qa.b\E`, "a.b", true},
		{`\Qa.b\E`, "axb", false},
		{`[\Q]-\E]+`, "]-]", true},
		{`[\Q]-\E]+`, "a", false},
		{`\Qa.b`, "a.b", true}, // \Q to the end
		{`\u0061b`, "ab", true},
		{`\0141`, "a", true},
		{`\0777`, "?7", true}, // \0mnn needs m <= 3: \077 then 7
		{`\x{61}`, "a", true},
		{`\w+\Z`, "abc", true},
		{`\h`, " ", true},
		{`[\h]`, "\t", true},
		{`\H`, " ", false},
		{`\v`, "\n", true},
		{`\V`, "\n", false},
		{`\e`, "\x1b", true},
		{`\cA`, "\x01", true},
		{`\p{IsLatin}+`, "abc", true},
		{`\p{IsL}+`, "abc", true},
		{`\p{sc=Greek}`, "α", true},
		{`(?<name>a)b`, "ab", true},
		{`a\sb`, "a\x0bb", true}, // Java's \s matches a vertical tab, RE2's does not
		{`a[\s]b`, "a\x0bb", true},
		{`a\Sb`, "a\x0bb", false},
		{`a\Sb`, "axb", true},
		{`[]a]+`, "]a", true},
		{`[^]a]`, "b", true},
	}
	for _, tt := range tests {
		re, err := CompileWhole(tt.expr)
		require.NoError(t, err, tt.expr)
		require.Equal(t, tt.want, re.MatchString(tt.input), "%s on %q", tt.expr, tt.input)
	}
}

func TestCompileSearches(t *testing.T) {
	re, err := Compile(`raw`)
	require.NoError(t, err)
	require.True(t, re.MatchString("orders-raw"), "Compile is Matcher.find: a match anywhere")
	re, err = Compile(`a|ab`)
	require.NoError(t, err)
	require.Equal(t, "a", re.FindString("ab"), "leftmost-first, as Java")
}

func TestCompileRejects(t *testing.T) {
	tests := map[string]string{
		"(":                 "missing closing )",
		"(?=a)a":            "lookaround assertions are not supported",
		"(?<!a)b":           "lookaround assertions are not supported",
		"(?>a)":             "atomic groups are not supported",
		`(a)\1`:             "backreferences are not supported",
		`(?<n>a)\k<n>`:      "backreferences are not supported",
		"a++":               "possessive quantifiers are not supported",
		"[a[b]]":            "nested character classes (union) are not supported",
		"[a-z&&[^b]]":       "character class intersection (&&) is not supported",
		"(?x)a b":           "flag x is not supported",
		"(?U)a":             "flag U (UNICODE_CHARACTER_CLASS) is not supported",
		`\p{javaLowerCase}`: `\p{javaLowerCase} is not supported`,
		`\p{InGreek}`:       `Unicode blocks (\p{InGreek}) are not supported`,
		`\p{Lower`:          "unclosed character family",
		`\G`:                `\G is not supported`,
		`\b{g}`:             `\b is not supported`,
		`[\H]`:              `\H inside a character class is not supported`,
		`\u12`:              "illegal Unicode escape sequence",
		`\uXYZW`:            "illegal Unicode escape sequence",
		`\09`:               "illegal octal escape sequence",
		`\c`:                "illegal control escape sequence",
		`a\`:                `unexpected end of pattern`,
	}
	for expr, want := range tests {
		_, err := Compile(expr)
		require.ErrorContains(t, err, want, expr)
		_, errWhole := CompileWhole(expr)
		require.Equal(t, err.Error(), errWhole.Error(), expr)
	}
}

func TestReplaceFirst(t *testing.T) {
	tests := []struct {
		expr, replacement, input, want string
	}{
		{"(.*)-raw", "$1", "orders-raw", "orders"},
		{"raw", "cooked", "orders-raw", "orders-cooked"}, // the first match anywhere
		{"x", "y", "orders", "orders"},                   // no match: unchanged
		{"a|ab", "X", "ab", "Xb"},                        // the first find() match is replaced
		{"a", "b", "aaa", "baa"},                         // only the first
		{"(a)", "$12", "a", "a2"},                        // $1 then "2": there is no group 12
		{"(a)(b)?", "[$1$2]", "a", "[a]"},                // a group that took no part adds nothing
		{`(?<db>\w+)\.(?<table>\w+)`, "${table}_${db}", "shop.users", "users_shop"},
		{"(.*)", `\$1\\`, "t", `$1\`},
		{"(.*)", "€$1€", "t", "€t€"},
		{"(.*)", `\€`, "t", "€"},
		{".*", "$0-copy", "abc", "abc-copy"},
		{"((((((((((a))))))))))", "$10$11", "a", "aa1"}, // ten groups: $10 is one reference
	}
	for _, tt := range tests {
		re, err := Compile(tt.expr)
		require.NoError(t, err, tt.expr)
		rp, err := ParseReplacement(tt.replacement, re)
		require.NoError(t, err, tt.replacement)
		require.Equal(t, tt.want, rp.ReplaceFirst(re, tt.input), "%s / %s on %s", tt.expr, tt.replacement, tt.input)
	}
	require.Equal(t, "bc", Replacement{}.ReplaceFirst(regexp.MustCompile("a"), "abc"), "the zero Replacement inserts nothing")
}

func TestReplaceAll(t *testing.T) {
	tests := []struct {
		expr, replacement, input, want string
	}{
		{"a", "b", "aaa", "bbb"},
		{`\.`, "_", "a.b.c", "a_b_c"},
		{"(o)(r)", "$2$1", "order-or", "roder-ro"},
		{"x", "y", "orders", "orders"},
		{"^my", "", "myField", "Field"},
	}
	for _, tt := range tests {
		re, err := Compile(tt.expr)
		require.NoError(t, err, tt.expr)
		rp, err := ParseReplacement(tt.replacement, re)
		require.NoError(t, err, tt.replacement)
		require.Equal(t, tt.want, rp.ReplaceAll(re, tt.input), "%s / %s on %s", tt.expr, tt.replacement, tt.input)
	}
}

func TestParseReplacementErrors(t *testing.T) {
	tests := []struct{ replacement, want string }{
		{"$2", "No group 2"},
		{"$", "Illegal group reference: group index is missing"},
		{"$x", "Illegal group reference"},
		{"${a", "named capturing group is missing trailing '}'"},
		{"${}", "named capturing group has 0 length name"},
		{"${b}", "No group with name {b}"},
		{"a\\", "character to be escaped is missing"},
	}
	re, err := Compile("(?<a>a)")
	require.NoError(t, err)
	for _, tt := range tests {
		_, err := ParseReplacement(tt.replacement, re)
		require.EqualError(t, err, tt.want, tt.replacement)
	}
}

// FuzzCompile checks that any expression either compiles in both forms or
// fails in both with one error, that a whole match is also a match found
// by searching, and that ReplaceFirst changes only the first match, into
// the replacement itself when it holds no $ or backslash.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"orders", ".*-raw", "(?i)ORDERS", `\p{Lower}+`, `[\p{Digit}x]+`, `\Qa.b\E`, `[\Qa]\E]`,
		`\u0061b`, `\0141`, `\cA`, `\w+\Z`, `[\h]`, `\V`, `a\sb`, `(?<db>\w+)\.(?<t>\w+)`,
		"(?=a)", "a++", "[a[b]]", "[a&&b]", `\p{InGreek}`, `\`, `[`, `(?`, `\Q`, `\0`, `\u`,
	} {
		f.Add(s, "$1", "orders-raw")
	}
	f.Fuzz(func(t *testing.T, expr, replacement, input string) {
		re, err := Compile(expr)
		whole, errWhole := CompileWhole(expr)
		if err != nil {
			if errWhole == nil || err.Error() != errWhole.Error() {
				t.Fatalf("Compile(%q) failed with %v, CompileWhole with %v", expr, err, errWhole)
			}
			return
		}
		if errWhole != nil {
			t.Fatalf("Compile(%q) succeeded, CompileWhole failed: %v", expr, errWhole)
		}
		if whole.MatchString(input) && !re.MatchString(input) {
			t.Fatalf("%q matches the whole of %q but is not found in it", expr, input)
		}
		rp, err := ParseReplacement(replacement, re)
		if err != nil {
			return
		}
		got := rp.ReplaceFirst(re, input)
		m := re.FindStringIndex(input)
		if m == nil {
			if got != input {
				t.Fatalf("no match of %q in %q, yet ReplaceFirst gave %q", expr, input, got)
			}
			return
		}
		if !strings.HasPrefix(got, input[:m[0]]) || !strings.HasSuffix(got, input[m[1]:]) {
			t.Fatalf("ReplaceFirst of %q in %q gave %q, changing more than the match %v", expr, input, got, m)
		}
		if !strings.ContainsAny(replacement, `$\`) {
			if want := input[:m[0]] + replacement + input[m[1]:]; got != want {
				t.Fatalf("ReplaceFirst of %q in %q with the literal %q gave %q, want %q", expr, input, replacement, got, want)
			}
		}
	})
}
