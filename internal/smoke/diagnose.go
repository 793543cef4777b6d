package smoke

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/chatstream/chatstream/internal/dataapi"
	chatsql "github.com/chatstream/chatstream/sql"
)

// diagnosis is what Redshift and Scheduler say when a run falls short. Each
// part has its own error: one missing permission must not hide the rest.
type diagnosis struct {
	asked time.Time // when the questions went out

	scanErrors    []scanError
	scanErrorsErr error

	view    *viewState // nil with viewErr nil: the view does not exist
	viewErr error

	refresh    *refresh // nil with refreshErr nil: never refreshed
	refreshErr error

	newest    *newestRow // nil with newestErr nil: nothing ingested lately
	newestErr error

	lastLoad    *loadRun // nil with lastLoadErr nil: no load recorded
	lastLoadErr error

	schedule    *scheduleState
	scheduleErr error
}

// scanError is one reason Redshift could not ingest records.
type scanError struct {
	code     int64
	reason   string
	records  int64
	lastSeen string
}

// viewState is the materialized view's row in SVV_MV_INFO.
type viewState struct {
	state       int64
	stale       bool
	autorefresh bool
}

// refresh is the materialized view's latest refresh.
type refresh struct {
	kind, status, start string
	ageSeconds          int64
}

// newestRow is when Redshift last ingested a row.
type newestRow struct {
	at         string
	ageSeconds int64
}

// loadRun is the latest load's row in load_runs.
type loadRun struct {
	id, at                                string
	ageSeconds                            int64
	moved, inserted, duplicates, rejected int64
}

// scheduleState is the producer schedule as Scheduler has it.
type scheduleState struct {
	state, expression string
}

// diagnose asks Redshift and Scheduler, all at once, what could explain a
// shortfall.
func (k *checker) diagnose(ctx context.Context) *diagnosis {
	ctx, cancel := context.WithTimeout(ctx, statementTimeout)
	defer cancel()
	fmt.Fprintln(k.progress, "asking Redshift and Scheduler what went wrong")
	// System views store names with ASCII letters folded to lower case.
	schema := strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, k.schema)
	d := &diagnosis{asked: k.deps.Now()}
	var wg sync.WaitGroup
	wg.Go(func() { d.scanErrors, d.scanErrorsErr = k.scanErrors(ctx) })
	wg.Go(func() { d.view, d.viewErr = k.viewState(ctx, schema) })
	wg.Go(func() { d.refresh, d.refreshErr = k.lastRefresh(ctx, schema) })
	wg.Go(func() { d.newest, d.newestErr = k.newestRow(ctx) })
	wg.Go(func() { d.lastLoad, d.lastLoadErr = k.lastLoad(ctx) })
	wg.Go(func() { d.schedule, d.scheduleErr = k.scheduleState(ctx) })
	wg.Wait()
	return d
}

// rows runs one diagnosis statement.
func (k *checker) rows(ctx context.Context, st chatsql.Statement, params map[string]string) ([]dataapi.Row, error) {
	res, err := k.runner.Run(ctx, st.Name, st.SQL, params)
	if err != nil {
		return nil, err
	}
	return res.Rows, nil
}

func (k *checker) scanErrors(ctx context.Context) ([]scanError, error) {
	rows, err := k.rows(ctx, k.stmts.ScanErrors, map[string]string{"stream": k.rep.stream})
	if err != nil {
		return nil, err
	}
	var out []scanError
	for _, row := range rows {
		var e scanError
		err := errors.Join(
			intInto(row, "error_code", &e.code),
			textInto(row, "reason", &e.reason),
			intInto(row, "records", &e.records),
			textInto(row, "last_seen", &e.lastSeen),
		)
		if err != nil {
			return nil, fmt.Errorf("statement %s: %w", k.stmts.ScanErrors.Name, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func (k *checker) viewState(ctx context.Context, schema string) (*viewState, error) {
	rows, err := k.rows(ctx, k.stmts.ViewState, map[string]string{"schema": schema})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var v viewState
	var stale, auto string
	err = errors.Join(
		intInto(rows[0], "state", &v.state),
		textInto(rows[0], "is_stale", &stale),
		textInto(rows[0], "autorefresh", &auto),
	)
	if err != nil {
		return nil, fmt.Errorf("statement %s: %w", k.stmts.ViewState.Name, err)
	}
	// The documentation shows both t/f and 1/0 in these char(1) columns.
	v.stale = stale == "t" || stale == "1"
	v.autorefresh = auto == "t" || auto == "1"
	return &v, nil
}

func (k *checker) lastRefresh(ctx context.Context, schema string) (*refresh, error) {
	rows, err := k.rows(ctx, k.stmts.LastRefresh, map[string]string{"schema": schema})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var r refresh
	err = errors.Join(
		textInto(rows[0], "refresh_type", &r.kind),
		textInto(rows[0], "status", &r.status),
		textInto(rows[0], "start_time", &r.start),
		intInto(rows[0], "age_s", &r.ageSeconds),
	)
	if err != nil {
		return nil, fmt.Errorf("statement %s: %w", k.stmts.LastRefresh.Name, err)
	}
	return &r, nil
}

func (k *checker) newestRow(ctx context.Context) (*newestRow, error) {
	rows, err := k.rows(ctx, k.stmts.NewestRow, nil)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	at, null, err := rows[0].Text("newest")
	if err != nil || null {
		return nil, err
	}
	n := &newestRow{at: at}
	if err := intInto(rows[0], "age_s", &n.ageSeconds); err != nil {
		return nil, fmt.Errorf("statement %s: %w", k.stmts.NewestRow.Name, err)
	}
	return n, nil
}

func (k *checker) lastLoad(ctx context.Context) (*loadRun, error) {
	rows, err := k.rows(ctx, k.stmts.LastLoad, nil)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var l loadRun
	err = errors.Join(
		textInto(rows[0], "load_id", &l.id),
		textInto(rows[0], "loaded_at", &l.at),
		intInto(rows[0], "age_s", &l.ageSeconds),
		intInto(rows[0], "moved", &l.moved),
		intInto(rows[0], "inserted", &l.inserted),
		intInto(rows[0], "duplicates", &l.duplicates),
		intInto(rows[0], "rejected", &l.rejected),
	)
	if err != nil {
		return nil, fmt.Errorf("statement %s: %w", k.stmts.LastLoad.Name, err)
	}
	return &l, nil
}

func (k *checker) scheduleState(ctx context.Context) (*scheduleState, error) {
	out, err := k.c.Schedules.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(k.rep.schedule)})
	if err != nil {
		return nil, fmt.Errorf("get schedule %s: %w", k.rep.schedule, err)
	}
	return &scheduleState{state: string(out.State), expression: aws.ToString(out.ScheduleExpression)}, nil
}

// intInto reads column into dst; NULL reads as 0.
func intInto(row dataapi.Row, column string, dst *int64) error {
	v, _, err := row.Int(column)
	*dst = v
	return err
}

// textInto reads column into dst; NULL reads as "".
func textInto(row dataapi.Row, column string, dst *string) error {
	v, _, err := row.Text(column)
	*dst = v
	return err
}
