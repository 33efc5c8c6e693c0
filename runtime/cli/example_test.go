package cli_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kconnect-go/kconnect/runtime/cli"
)

// A program over Main with a command of its own beside the worker's: here
// run as "kconnect shout hello world". A real main passes os.Args[1:] and
// exits with Main's code.
func ExampleCommands() {
	shout := cli.Command{Name: "shout", Synopsis: "WORD...", Doc: "Print the words in capitals.",
		Run: func(_ context.Context, args []string, out io.Writer) error {
			if len(args) == 0 {
				return fmt.Errorf("shout: %w: kconnect shout WORD...", cli.ErrUsage)
			}
			_, err := fmt.Fprintln(out, strings.ToUpper(strings.Join(args, " ")))
			return err
		}}
	code := cli.Main(context.Background(), []string{"shout", "hello", "world"},
		cli.Commands(shout), cli.Output(nil, os.Stdout, os.Stdout))
	fmt.Println("exit", code)
	code = cli.Main(context.Background(), []string{"shout"},
		cli.Commands(shout), cli.Output(nil, os.Stdout, os.Stdout))
	fmt.Println("exit", code)
	// Output:
	// HELLO WORLD
	// exit 0
	// kconnect: shout: usage: kconnect shout WORD...
	// exit 1
}
