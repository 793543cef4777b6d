package shardmap

import (
	"math/big"
	"strconv"
	"testing"
)

func TestHashKey(t *testing.T) {
	// MD5("1") = c4ca4238a0b923820dcc509a6f75849b.
	want, _ := new(big.Int).SetString("c4ca4238a0b923820dcc509a6f75849b", 16)
	if got := HashKey("1"); got.Cmp(want) != 0 {
		t.Errorf("HashKey(%q) = %x, want %x", "1", got, want)
	}
}

func TestIndex(t *testing.T) {
	tests := []struct {
		key  string
		n    int
		want int
	}{
		// c4ca… is in the fourth quarter (c = 1100) and the second half.
		{key: "1", n: 4, want: 3},
		{key: "1", n: 2, want: 1},
		{key: "1", n: 1, want: 0},
		// MD5("2") = c81e728d9d4c2f636f067f89cc14862c: 0xc8/256·3 = 2.34.
		{key: "2", n: 3, want: 2},
		// MD5("3") = eccbc87e4b5ce2fe28308fd9f2a7baf3: 0xec·16/256 = 14.75.
		{key: "3", n: 16, want: 14},
	}
	for _, tt := range tests {
		if got := Index(tt.key, tt.n); got != tt.want {
			t.Errorf("Index(%q, %d) = %d, want %d", tt.key, tt.n, got, tt.want)
		}
	}
}

func TestIndexSpreadsKeysEvenly(t *testing.T) {
	const keys, n = 40_000, 4
	var counts [n]int
	for k := range keys {
		counts[Index(strconv.Itoa(k), n)]++
	}
	for i, c := range counts {
		// A binomial with mean 10,000 has a standard deviation of 87.
		if c < 9_500 || c > 10_500 {
			t.Errorf("shard %d holds %d of %d keys, want about a quarter", i, c, keys)
		}
	}
}
