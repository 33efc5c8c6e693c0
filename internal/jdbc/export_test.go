package jdbc

// MySQLTLSMode is the TLS mode a MySQL connection.url asks for.
func MySQLTLSMode(raw string) (string, error) {
	flavour := ""
	switch {
	case len(raw) > 11 && raw[:11] == "jdbc:mysql:":
		flavour = "mysql"
	case len(raw) > 13 && raw[:13] == "jdbc:mariadb:":
		flavour = "mariadb"
	}
	_, _, _, query, _ := splitAuthority(raw[len(raw)-len(afterScheme(raw)):])
	params, err := parseQuery(query)
	if err != nil {
		return "", err
	}
	mode, _, err := mysqlTLSMode(params, flavour)
	return mode, err
}

func afterScheme(raw string) string {
	for i := 0; i+1 < len(raw); i++ {
		if raw[i] == '/' && raw[i+1] == '/' {
			return raw[i:]
		}
	}
	return raw
}
