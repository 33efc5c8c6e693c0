package connect_test

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

func ExampleConfigDef() {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "file", Type: connect.ConfigString, Required: true,
			Importance: connect.High, Doc: "File to read.", Validator: connect.NonEmpty()}).
		Define(connect.ConfigKey{Name: "topics", Type: connect.ConfigList, Required: true,
			Importance: connect.High, Doc: "Topics to write to."}).
		Define(connect.ConfigKey{Name: "batch.size", Type: connect.ConfigInt, Default: 2000,
			Importance: connect.Low, Doc: "Records per poll.", Validator: connect.Range(1, 100_000)}).
		Define(connect.ConfigKey{Name: "poll.interval", Type: connect.ConfigDuration, Default: "1s",
			Importance: connect.Low, Doc: "Time between polls (ms or Go duration)."}).
		Define(connect.ConfigKey{Name: "db.password", Type: connect.ConfigPassword,
			Importance: connect.Medium, Doc: "Password."})

	cfg, err := def.Parse(map[string]string{
		"file":          "/var/log/app.log",
		"topics":        "logs, audit",
		"poll.interval": "250",
		"db.password":   "hunter2",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.String("file"), cfg.List("topics"), cfg.Int("batch.size"), cfg.Duration("poll.interval"))
	fmt.Println(cfg)

	_, err = def.Parse(map[string]string{"file": "", "batch.size": "lots"})
	fmt.Println(err)
	// Output:
	// /var/log/app.log [logs audit] 2000 250ms
	// {file=/var/log/app.log, topics=logs,audit, batch.size=2000, poll.interval=250, db.password=[hidden]}
	// 3 configuration errors: Invalid value  for configuration file: String must be non-empty; Missing required configuration "topics" which has no default value.; Invalid value lots for configuration batch.size: Not a number of type INT
}

func ExampleConfigDef_Validate() {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "mode", Type: connect.ConfigString, Default: "append",
			Importance: connect.Medium, Doc: "Write mode.", Group: "File", OrderInGroup: 1,
			Validator: connect.OneOf("append", "overwrite")})

	infos := def.Infos("org.example.FileSink", def.Validate(map[string]string{"mode": "truncate"}))
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(infos)
	// Output:
	// {
	//   "name": "org.example.FileSink",
	//   "error_count": 1,
	//   "groups": [
	//     "File"
	//   ],
	//   "configs": [
	//     {
	//       "definition": {
	//         "name": "mode",
	//         "type": "STRING",
	//         "required": false,
	//         "default_value": "append",
	//         "importance": "MEDIUM",
	//         "documentation": "Write mode.",
	//         "group": "File",
	//         "order_in_group": 1,
	//         "width": "NONE",
	//         "display_name": "mode",
	//         "dependents": []
	//       },
	//       "value": {
	//         "name": "mode",
	//         "value": "truncate",
	//         "recommended_values": [
	//           "append",
	//           "overwrite"
	//         ],
	//         "errors": [
	//           "Invalid value truncate for configuration mode: String must be one of: append, overwrite"
	//         ],
	//         "visible": true
	//       }
	//     }
	//   ]
	// }
}

func ExampleConfigError() {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "tasks.max", Type: connect.ConfigInt, Default: 1, Importance: connect.High, Validator: connect.AtLeast(1)}).
		Define(connect.ConfigKey{Name: "timeout", Type: connect.ConfigDuration, Default: time.Minute, Importance: connect.Low})

	_, err := def.Parse(map[string]string{"tasks.max": "0", "timeout": "soon"})
	if ce, ok := err.(*connect.ConfigError); ok {
		for _, ke := range ce.Errors {
			fmt.Printf("%s: %s\n", ke.Key, ke.Message)
		}
	}
	// Output:
	// tasks.max: Invalid value 0 for configuration tasks.max: Value must be at least 1
	// timeout: Invalid value soon for configuration timeout: Expected a number of milliseconds or a duration such as 1m30s
}
