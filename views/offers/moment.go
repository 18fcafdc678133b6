package offers

import "time"

// Moment is a point in time as a table shows it: Short on screen (to the
// minute, so a date column stays narrow), Full as its title and ISO for the
// time element's datetime attribute. All in UTC.
type Moment struct {
	Short, Full, ISO string
}

// MomentOf returns the Moment of t; the zero time gives the zero Moment.
func MomentOf(t time.Time) Moment {
	if t.IsZero() {
		return Moment{}
	}
	t = t.UTC()
	return Moment{Short: t.Format("2006-01-02 15:04"), Full: t.Format("2006-01-02 15:04:05 UTC"), ISO: t.Format(time.RFC3339)}
}
