package connect_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/kconnect-go/kconnect/connect"
)

func ExamplePassword() {
	p := connect.NewPassword("hunter2")

	fmt.Println(p, fmt.Sprintf("%q %#v", p, p))
	b, _ := json.Marshal(map[string]connect.Password{"password": p})
	fmt.Println(string(b))
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	logger.Info("connecting", "password", p)
	fmt.Println(p.Value()) // the only way to read the secret
	// Output:
	// [hidden] "[hidden]" [hidden]
	// {"password":"[hidden]"}
	// level=INFO msg=connecting password=[hidden]
	// hunter2
}
