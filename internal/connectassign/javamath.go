package connectassign

import (
	"math"
	"math/big"
)

// Kafka's backoff between revoking rounds rounds a Math.pow down to whole
// milliseconds, and Go's math.Pow lands an ulp away from the JVM's often
// enough to flip that (40^(ln 1000/ln 40) is 999.99… on a JVM, 1000 in
// Go). The JVM's results for these arguments are the correctly rounded
// ones, so javaLog and javaPow compute in 160 bits and round once.

const javaMathPrec = 160

var ln2 = mustFloat("0.693147180559945309417232121458176568075500134360255254120680")

func mustFloat(s string) *big.Float {
	f, _, err := big.ParseFloat(s, 10, javaMathPrec, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return f
}

func newF(x float64) *big.Float { return new(big.Float).SetPrec(javaMathPrec).SetFloat64(x) }

// bigLog is the natural logarithm of x > 0.
func bigLog(x *big.Float) *big.Float {
	// x = m·2^k with m in [0.5, 1): ln x = k·ln 2 + 2·atanh((m-1)/(m+1)).
	m := new(big.Float).SetPrec(javaMathPrec)
	k := x.MantExp(m)
	num := new(big.Float).SetPrec(javaMathPrec).Sub(m, newF(1))
	den := new(big.Float).SetPrec(javaMathPrec).Add(m, newF(1))
	s := new(big.Float).SetPrec(javaMathPrec).Quo(num, den)
	s2 := new(big.Float).SetPrec(javaMathPrec).Mul(s, s)
	sum := new(big.Float).SetPrec(javaMathPrec)
	term := new(big.Float).SetPrec(javaMathPrec).Set(s)
	for n := int64(1); n < 400; n += 2 {
		t := new(big.Float).SetPrec(javaMathPrec).Quo(term, new(big.Float).SetInt64(n))
		if t.Sign() == 0 || (sum.Sign() != 0 && t.MantExp(nil) < sum.MantExp(nil)-javaMathPrec) {
			break
		}
		sum.Add(sum, t)
		term.Mul(term, s2)
	}
	sum.Mul(sum, newF(2))
	return sum.Add(sum, new(big.Float).SetPrec(javaMathPrec).Mul(ln2, new(big.Float).SetInt64(int64(k))))
}

// bigExp is e^x for moderate x.
func bigExp(x *big.Float) *big.Float {
	// x = k·ln 2 + r with |r| <= ln 2 / 2: e^x = 2^k·e^r.
	q, _ := new(big.Float).Quo(x, ln2).Float64()
	k := int(math.Round(q))
	r := new(big.Float).SetPrec(javaMathPrec).Sub(x, new(big.Float).SetPrec(javaMathPrec).Mul(ln2, new(big.Float).SetInt64(int64(k))))
	sum := newF(1)
	term := newF(1)
	for n := int64(1); n < 200; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetInt64(n))
		if term.Sign() == 0 || term.MantExp(nil) < sum.MantExp(nil)-javaMathPrec {
			break
		}
		sum.Add(sum, term)
	}
	return sum.SetMantExp(sum, k)
}

// javaLog is Math.log of a positive finite x.
func javaLog(x float64) float64 {
	f, _ := bigLog(newF(x)).Float64()
	return f
}

// javaPow is Math.pow of a positive finite base and a finite exponent of
// moderate size.
func javaPow(base, exp float64) float64 {
	if exp == math.Trunc(exp) && math.Abs(exp) <= 8 {
		// Exact for the small integer powers the backoff takes (40^5
		// is the largest under 2^31 ms), as on a JVM.
		return math.Pow(base, exp)
	}
	l := bigLog(newF(base))
	f, _ := bigExp(l.Mul(l, newF(exp))).Float64()
	return f
}
