package connect_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

func TestConfigValidators(t *testing.T) {
	tests := []struct {
		name    string
		v       connect.Validator
		value   any
		wantErr string // "" = valid
	}{
		{"range int in", connect.Range(1, 10), 5, ""},
		{"range int low edge", connect.Range(1, 10), 1, ""},
		{"range int high edge", connect.Range(1, 10), 10, ""},
		{"range int below", connect.Range(1, 10), 0, "Value must be at least 1"},
		{"range int above", connect.Range(1, 10), 11, "Value must be no more than 10"},
		{"range long exact", connect.Range(int64(math.MaxInt64-1), int64(math.MaxInt64)), int64(math.MaxInt64 - 2), "Value must be at least 9223372036854775806"},
		{"range long ok", connect.AtLeast(int64(math.MaxInt64 - 1)), int64(math.MaxInt64), ""},
		{"range double", connect.Range(0.0, 1.0), 0.5, ""},
		{"range double above", connect.Range(0.0, 1.0), 1.5, "Value must be no more than 1"},
		{"range float bound int value", connect.AtMost(0.5), 1, "Value must be no more than 0.5"},
		{"range int bound float value", connect.AtLeast(1), 0.5, "Value must be at least 1"},
		{"range NaN accepted like Kafka", connect.Range(0.0, 1.0), math.NaN(), ""},
		{"range duration", connect.Range(time.Second, time.Minute), 30 * time.Second, ""},
		{"range duration below", connect.AtLeast(time.Second), 10 * time.Millisecond, "Value must be at least 1s"},
		{"at most", connect.AtMost(3), 4, "Value must be no more than 3"},
		{"range not a number", connect.AtLeast(1), "x", "Value must be a number, not string"},

		{"one of ok", connect.OneOf("a", "b"), "b", ""},
		{"one of case", connect.OneOf("a", "b"), "B", "String must be one of: a, b"},
		{"one of list ok", connect.OneOf("a", "b"), []string{"a", "b", "a"}, ""},
		{"one of list bad", connect.OneOf("a", "b"), []string{"a", "c"}, "String must be one of: a, b"},
		{"one of empty list", connect.OneOf("a"), []string{}, ""},
		{"one of wrong type", connect.OneOf("a"), 1, "Value must be a string or a list, not int"},
		{"one of ignore case ok", connect.OneOfIgnoreCase("none", "all"), "ALL", ""},
		{"one of ignore case bad", connect.OneOfIgnoreCase("none", "all"), "some", "String must be one of (case insensitive): none, all"},

		{"non-empty ok", connect.NonEmpty(), "x", ""},
		{"non-empty string", connect.NonEmpty(), "", "String must be non-empty"},
		{"non-empty password", connect.NonEmpty(), connect.NewPassword(""), "String must be non-empty"},
		{"non-empty password ok", connect.NonEmpty(), connect.NewPassword("p"), ""},
		{"non-empty list", connect.NonEmpty(), []string{}, "List must be non-empty"},
		{"non-empty list ok", connect.NonEmpty(), []string{""}, ""},
		{"non-empty wrong type", connect.NonEmpty(), 3, "Value must be a string or a list, not int"},

		{"regex full match", connect.Regex(`[a-z]+`), "abc", ""},
		{"regex partial is not enough", connect.Regex(`[a-z]+`), "abc1", "Value must match the regular expression [a-z]+"},
		{"regex alternation anchored", connect.Regex(`a|b`), "ab", "Value must match the regular expression a|b"},
		{"regex list", connect.Regex(`t\d`), []string{"t1", "t2"}, ""},
		{"regex list bad", connect.Regex(`t\d`), []string{"t1", "x"}, `Value must match the regular expression t\d`},
		{"regex password", connect.Regex(`.{4,}`), connect.NewPassword("abc"), "Value must match the regular expression .{4,}"},

		{"func", connect.ValidatorFunc(func(v any) error {
			if v.(int)%2 != 0 {
				return errors.New("Value must be even")
			}
			return nil
		}), 3, "Value must be even"},
		{"all of first failure", connect.AllOf(connect.NonEmpty(), nil, connect.OneOf("x")), "", "String must be non-empty"},
		{"all of second failure", connect.AllOf(connect.NonEmpty(), connect.OneOf("x")), "y", "String must be one of: x"},
		{"all of ok", connect.AllOf(connect.NonEmpty(), connect.OneOf("x")), "x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Validate(tt.value)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error %q", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("no error, want %q", tt.wantErr)
			case tt.wantErr != "" && err.Error() != tt.wantErr:
				t.Fatalf("error %q, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigValidatorDescriptions(t *testing.T) {
	tests := []struct {
		v    connect.Validator
		want string
	}{
		{connect.Range(1, 10), "[1,...,10]"},
		{connect.AtLeast(0.5), "[0.5,...]"},
		{connect.AtMost(time.Minute), "[...,1m0s]"},
		{connect.OneOf("a", "b"), "[a, b]"},
		{connect.OneOfIgnoreCase("a", "b"), "(case insensitive) [a, b]"},
		{connect.NonEmpty(), "non-empty string"},
		{connect.Regex("x+"), "matches x+"},
		{connect.AllOf(connect.NonEmpty(), connect.OneOf("a")), "non-empty string, [a]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(tt.v); got != tt.want {
			t.Errorf("%T: %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestConfigValidatorRecommendedValues(t *testing.T) {
	type rec interface{ RecommendedValues() []string }
	for _, v := range []connect.Validator{connect.OneOf("a", "b"), connect.AllOf(connect.NonEmpty(), connect.OneOf("a", "b"))} {
		r, ok := v.(rec)
		if !ok {
			t.Fatalf("%T has no RecommendedValues", v)
		}
		if got := r.RecommendedValues(); !reflect.DeepEqual(got, []string{"a", "b"}) {
			t.Fatalf("RecommendedValues = %q", got)
		}
	}
}

func TestConfigRegexPanicsOnBadPattern(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Regex with an invalid pattern did not panic")
		}
	}()
	connect.Regex("(")
}

func TestConfigValidatorNotCalledWithoutValue(t *testing.T) {
	called := false
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "opt", Type: connect.ConfigString, Importance: connect.Low,
			Validator: connect.ValidatorFunc(func(any) error { called = true; return nil })}).
		Define(connect.ConfigKey{Name: "req", Type: connect.ConfigString, Required: true, Importance: connect.Low,
			Validator: connect.ValidatorFunc(func(any) error { called = true; return errors.New("boom") })})
	_, err := def.Parse(nil)
	if called {
		t.Fatal("validator called for a key without value")
	}
	if err == nil || err.Error() != `Missing required configuration "req" which has no default value.` {
		t.Fatalf("error = %v", err)
	}
}
