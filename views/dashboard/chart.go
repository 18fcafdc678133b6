package dashboard

import (
	"fmt"
	"math"
	"strings"

	"credmint/app/issuance"
)

// Chart is the geometry of the activity chart, computed here so that the
// template only draws.
type Chart struct {
	Width, Height       int
	Left, Right, Bottom float64
	Top                 float64
	Series              []Series
	YTicks              []Tick
	XTicks              []Tick
}

// Series is one line of the chart.
type Series struct {
	Name string
	// Class styles the line (colour and dash pattern, so that colour is
	// not the only difference).
	Class  string
	Points string
	Total  int
}

// Tick is an axis label at a position.
type Tick struct {
	Pos   float64
	Label string
	// Anchor is the SVG text-anchor: the last day's label ends at the
	// edge instead of being cut off.
	Anchor string
}

// seriesOf are the chart's lines: name, CSS class, value of a day.
var seriesOf = []struct {
	name, class string
	value       func(issuance.DayActivity) int
}{
	{"Offers created", "s-created", func(d issuance.DayActivity) int { return d.OffersCreated }},
	{"Offers redeemed", "s-redeemed", func(d issuance.DayActivity) int { return d.OffersRedeemed }},
	{"Offers expired", "s-expired", func(d issuance.DayActivity) int { return d.OffersExpired }},
	{"Credentials issued", "s-issued", func(d issuance.DayActivity) int { return d.CredentialsIssued }},
}

// NewChart lays out days (oldest first) as four lines.
func NewChart(days []issuance.DayActivity) Chart {
	c := Chart{Width: 720, Height: 260, Left: 44, Right: 12, Top: 12, Bottom: 30}
	plotW := float64(c.Width) - c.Left - c.Right
	plotH := float64(c.Height) - c.Top - c.Bottom
	peak := 0
	for _, d := range days {
		for _, s := range seriesOf {
			peak = max(peak, s.value(d))
		}
	}
	top := niceCeil(peak)
	x := func(i int) float64 {
		if len(days) < 2 {
			return c.Left + plotW/2
		}
		return c.Left + plotW*float64(i)/float64(len(days)-1)
	}
	y := func(v int) float64 { return c.Top + plotH - plotH*float64(v)/float64(top) }
	for _, s := range seriesOf {
		var pts []string
		total := 0
		for i, d := range days {
			v := s.value(d)
			total += v
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		c.Series = append(c.Series, Series{Name: s.name, Class: s.class, Points: strings.Join(pts, " "), Total: total})
	}
	for _, v := range []int{0, top / 2, top} {
		if v == top/2 && top%2 != 0 {
			continue
		}
		c.YTicks = append(c.YTicks, Tick{Pos: y(v), Label: fmt.Sprint(v)})
	}
	for i := len(days) - 1; i >= 0; i -= 7 { // weekly, ending today
		anchor := "middle"
		if i == len(days)-1 {
			anchor = "end"
		}
		c.XTicks = append(c.XTicks, Tick{Pos: x(i), Label: days[i].Day.Format("2 Jan"), Anchor: anchor})
	}
	return c
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten (at least 2).
func niceCeil(n int) int {
	if n <= 2 {
		return 2
	}
	p := math.Pow(10, math.Floor(math.Log10(float64(n))))
	for _, m := range []float64{1, 2, 5, 10} {
		if v := int(m * p); v >= n {
			return v
		}
	}
	return n
}

// BottomY is the y of the x axis.
func (c Chart) BottomY() float64 { return float64(c.Height) - c.Bottom }

// RightX is the x of the plot's right edge.
func (c Chart) RightX() float64 { return float64(c.Width) - c.Right }

// Description summarises the chart in words for screen readers.
func (c Chart) Description(days int) string {
	parts := make([]string, len(c.Series))
	for i, s := range c.Series {
		parts[i] = fmt.Sprintf("%s: %d", s.Name, s.Total)
	}
	return fmt.Sprintf("Totals over the last %d days: %s. The table below has the numbers per day.", days, strings.Join(parts, "; "))
}
