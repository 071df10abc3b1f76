package simulator_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/c2psim/c2psim/simulator"
)

func TestWithUnknownFieldOnlyOnSuccessfulObjects(t *testing.T) {
	answer := func(res *simulator.Response, err error) simulator.Handler {
		return func(context.Context, *simulator.Request) (*simulator.Response, error) { return res, err }
	}
	ok, _ := simulator.WithUnknownField(answer(simulator.JSON(http.StatusOK, map[string]any{"a": 1}), nil))(context.Background(), nil)
	if ok.Body.(map[string]any)[simulator.UnknownField] == nil {
		t.Fatal("a successful object answer lacks the unknown field")
	}
	list, _ := simulator.WithUnknownField(answer(simulator.JSON(http.StatusOK, []any{1}), nil))(context.Background(), nil)
	if _, isList := list.Body.([]any); !isList {
		t.Fatal("a list answer was changed")
	}
	refusal, _ := simulator.WithUnknownField(answer(simulator.JSON(http.StatusConflict, map[string]any{"code": "x"}), nil))(context.Background(), nil)
	if refusal.Body.(map[string]any)[simulator.UnknownField] != nil {
		t.Fatal("an error answer got the unknown field")
	}
	boom := errors.New("boom")
	if res, err := simulator.WithUnknownField(answer(nil, boom))(context.Background(), nil); res != nil || err != boom {
		t.Fatalf("a failing handler = %v, %v", res, err)
	}
}
