package jsonconv

import (
	"errors"
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
)

// Errors about an element are created where it is converted, with an empty
// path, and each enclosing struct, array or map prefixes its part of the
// path as the error travels up. Valid records pay nothing for paths.

func inField(err error, name string) error {
	return prefix(err, name, false)
}

func atIndex(err error, i int) error {
	return prefix(err, "["+strconv.Itoa(i)+"]", true)
}

func atKey(err error, k string) error {
	return prefix(err, "["+k+"]", true)
}

func prefix(err error, elem string, bracket bool) error {
	var de *connect.DataError
	if !errors.As(err, &de) {
		return &connect.DataError{Path: elem, Err: err}
	}
	c := *de
	switch {
	case c.Path == "":
		c.Path = elem
	case c.Path[0] == '[':
		c.Path = elem + c.Path
	default:
		c.Path = elem + "." + c.Path
	}
	return &c
}
