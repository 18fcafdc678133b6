package applicants

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxFileSize is the largest file an import accepts.
const MaxFileSize = 50 << 20

// FileError says why an uploaded file cannot be read at all.
type FileError struct {
	Reason string
}

func (e *FileError) Error() string { return "applicants: " + e.Reason }

// Source is an uploaded file read into columns and rows.
type Source struct {
	Format  string
	Columns []string
	// Rows hold one value per column: strings for CSV, JSON values
	// (json.Number for numbers) for JSON. Rows that are entirely empty are
	// left out.
	Rows [][]any
	// RowNumbers are the rows' numbers as staff see them (CSV: the header
	// is row 1; JSON: the first object is row 1).
	RowNumbers []int
	// Extra marks rows that had more CSV fields than the header.
	Extra map[int]bool
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readSource parses data as CSV (header row; comma or semicolon) or as a
// JSON array of objects, whichever it is.
func readSource(data []byte) (*Source, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &FileError{"the file is empty"}
	}
	if len(data) > MaxFileSize {
		return nil, &FileError{fmt.Sprintf("the file is larger than %d MB", MaxFileSize>>20)}
	}
	if !utf8.Valid(data) {
		return nil, &FileError{"the file is not UTF-8 text (save it as \"CSV UTF-8\")"}
	}
	if bytes.TrimLeft(data, " \t\r\n")[0] == '[' {
		return readJSON(data)
	}
	return readCSV(data)
}

// detectDelimiter picks ';' when the header line has more semicolons than
// commas (outside quotes), else ','.
func detectDelimiter(data []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, b := range data {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case b == ',':
			commas++
		case b == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

func readCSV(data []byte) (*Source, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = detectDelimiter(data)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, csvError(err)
	}
	src := &Source{Format: FormatCSV, Columns: columnNames(header), Extra: map[int]bool{}}
	for rec := 2; ; rec++ {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, csvError(err)
		}
		if blank(fields) {
			continue
		}
		row := make([]any, len(src.Columns))
		for i := range row {
			row[i] = ""
			if i < len(fields) {
				row[i] = fields[i]
			}
		}
		if len(fields) > len(row) && !blank(fields[len(row):]) {
			src.Extra[len(src.Rows)] = true
		}
		src.Rows = append(src.Rows, row)
		src.RowNumbers = append(src.RowNumbers, rec)
	}
	return src, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FileError{fmt.Sprintf("the CSV cannot be read at line %d: %v", pe.Line, pe.Err)}
	}
	return &FileError{"the CSV cannot be read"}
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// columnNames makes header names usable as column names: trimmed, an
// empty one named after its position, repeated ones numbered.
func columnNames(header []string) []string {
	seen := map[string]int{}
	out := make([]string, len(header))
	for i, h := range header {
		name := strings.TrimSpace(h)
		if name == "" {
			name = fmt.Sprintf("column %d", i+1)
		}
		seen[name]++
		if n := seen[name]; n > 1 {
			name = fmt.Sprintf("%s (%d)", name, n)
		}
		out[i] = name
	}
	return out
}

func readJSON(data []byte) (*Source, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	bad := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &FileError{fmt.Sprintf("the JSON is not valid (at byte %d)", se.Offset)}
		}
		return &FileError{"the JSON must be an array of objects"}
	}
	if tok, err := dec.Token(); err != nil {
		return nil, bad(err)
	} else if tok != json.Delim('[') {
		return nil, &FileError{"the JSON must be an array of objects"}
	}
	src := &Source{Format: FormatJSON}
	index := map[string]int{}
	type field struct {
		col int
		v   any
	}
	var objs [][]field
	var numbers []int
	for item := 1; dec.More(); item++ {
		if tok, err := dec.Token(); err != nil {
			return nil, bad(err)
		} else if tok != json.Delim('{') {
			return nil, &FileError{fmt.Sprintf("item %d of the JSON array is not an object", item)}
		}
		var obj []field
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, bad(err)
			}
			key, _ := tok.(string)
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, bad(err)
			}
			// Columns in the order the keys first appear.
			col, ok := index[key]
			if !ok {
				col = len(src.Columns)
				index[key] = col
				src.Columns = append(src.Columns, key)
			}
			obj = append(obj, field{col, v})
		}
		if _, err := dec.Token(); err != nil {
			return nil, bad(err)
		}
		if len(obj) > 0 {
			objs = append(objs, obj)
			numbers = append(numbers, item)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &FileError{"the JSON has more after its array"}
	}
	for i, obj := range objs {
		row := make([]any, len(src.Columns))
		for _, f := range obj {
			row[f.col] = f.v
		}
		src.Rows = append(src.Rows, row)
		src.RowNumbers = append(src.RowNumbers, numbers[i])
	}
	return src, nil
}
