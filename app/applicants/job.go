package applicants

import "time"

// JobState is the state of an import job.
type JobState string

// Import job states. A draft holds an uploaded file while staff map its
// columns; starting it makes it pending, a worker makes it running, and it
// ends done, failed or cancelled.
const (
	JobDraft     JobState = "draft"
	JobPending   JobState = "pending"
	JobRunning   JobState = "running"
	JobDone      JobState = "done"
	JobFailed    JobState = "failed"
	JobCancelled JobState = "cancelled"
)

// Finished reports whether the job has ended.
func (s JobState) Finished() bool { return s == JobDone || s == JobFailed || s == JobCancelled }

// Error policies of an import.
const (
	// OnErrorSkip imports the valid rows and lists the bad ones.
	OnErrorSkip = "skip"
	// OnErrorCancel imports nothing when any row is bad.
	OnErrorCancel = "cancel"
)

// File formats of an upload.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// ImportJob is an uploaded file and its import into applicants.
type ImportJob struct {
	ID              string
	ConfigurationID string
	FileName        string
	Format          string
	FileSize        int64
	// FileSealed is the uploaded file sealed with the master key (bound to
	// the job id). Only CreateImportJob and ImportJobFile carry it.
	FileSealed []byte
	Mapping    Mapping
	OnError    string
	State      JobState
	// Total is the number of data rows; Processed the number of rows done
	// (the index of the next row to import); Imported and Skipped split the
	// processed rows.
	Total, Processed, Imported, Skipped int
	// ErrorsStored is how many row errors are stored (at most MaxRowErrors).
	ErrorsStored int
	// Failure says why a job failed or was cancelled.
	Failure        string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	StartedAt      *time.Time
	FinishedAt     *time.Time
	LeaseOwner     string
	LeaseExpiresAt *time.Time
}

// Percent is the share of processed rows, 0 to 100.
func (j *ImportJob) Percent() int {
	if j.Total == 0 {
		if j.State == JobDone {
			return 100
		}
		return 0
	}
	return j.Processed * 100 / j.Total
}

// RowError is what is wrong with one row of a file. Row is numbered as in a
// spreadsheet: for CSV the header is row 1; for JSON the first object is
// row 1. Messages name columns and claims, never the values.
type RowError struct {
	Row     int
	Message string
}

// MaxRowErrors is how many row errors a job stores; rows past it are still
// counted as skipped.
const MaxRowErrors = 10000

// Mapping says which column of the file feeds which field. Columns are
// named as Source.Columns names them; "" means none.
type Mapping struct {
	ExternalID string `json:"external_id,omitempty"`
	// Name, or GivenName and FamilyName joined with a space.
	Name       string   `json:"name,omitempty"`
	GivenName  string   `json:"given_name,omitempty"`
	FamilyName string   `json:"family_name,omitempty"`
	Email      string   `json:"email,omitempty"`
	Phone      string   `json:"phone,omitempty"`
	Address    []string `json:"address,omitempty"`
	// Claims maps a claim path (credential.PathString) to a column.
	Claims map[string]string `json:"claims,omitempty"`
}

// AddressLines is how many address lines a mapping has.
const AddressLines = 4
