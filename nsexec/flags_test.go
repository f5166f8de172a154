package nsexec

import (
	"reflect"
	"testing"
)

// Every bool field of a message is carried by exactly one flag table
// entry, and no two entries share an attribute number: a flag missing
// from its table would never reach the other side.
func TestFlagTablesCoverEveryBool(t *testing.T) {
	checkFlags(t, bootstrapFlags)
	checkFlags(t, mountFlags)
	checkFlags(t, extrasFlags)
}

func checkFlags[T any](t *testing.T, table []flag[T]) {
	t.Helper()
	typ := reflect.TypeOf((*T)(nil)).Elem()
	covered := map[string]int{}
	attrs := map[uint32]bool{}
	for _, fl := range table {
		if attrs[fl.attr] {
			t.Errorf("%s: attribute %d is in the flag table twice", typ.Name(), fl.attr)
		}
		attrs[fl.attr] = true
		var v T
		*fl.field(&v) = true
		rv := reflect.ValueOf(v)
		for i := 0; i < rv.NumField(); i++ {
			if rv.Field(i).Kind() == reflect.Bool && rv.Field(i).Bool() {
				covered[typ.Field(i).Name]++
			}
		}
	}
	for i := 0; i < typ.NumField(); i++ {
		if f := typ.Field(i); f.Type.Kind() == reflect.Bool && covered[f.Name] != 1 {
			t.Errorf("%s.%s is in the flag table %d times, want once", typ.Name(), f.Name, covered[f.Name])
		}
	}
}
