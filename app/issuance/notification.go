package issuance

import (
	"context"
	"errors"

	"credmint/app/audit"
)

// Notification events (OID4VCI §11.1).
const (
	EventCredentialAccepted = "credential_accepted"
	EventCredentialFailure  = "credential_failure"
	EventCredentialDeleted  = "credential_deleted"
)

// NotificationRequest is a notification endpoint request.
type NotificationRequest struct {
	NotificationID   string `json:"notification_id"`
	Event            string `json:"event"`
	EventDescription string `json:"event_description"`
}

// Notify records what the wallet did with the credentials of a response.
// Repeating a notification succeeds (§11.1: the endpoint is idempotent).
func (s *Service) Notify(ctx context.Context, tok *AccessToken, req NotificationRequest) error {
	if req.NotificationID == "" {
		return badRequest(CodeInvalidNotificationRequest, "notification_id is required")
	}
	switch req.Event {
	case EventCredentialAccepted, EventCredentialFailure, EventCredentialDeleted:
	case "":
		return badRequest(CodeInvalidNotificationRequest, "event is required")
	default:
		return badRequest(CodeInvalidNotificationRequest, "event must be credential_accepted, credential_failure or credential_deleted")
	}
	for _, r := range req.EventDescription {
		if r < 0x20 || r > 0x7e {
			return badRequest(CodeInvalidNotificationRequest, "event_description must be printable ASCII")
		}
	}
	now := s.now()
	subjectType, subjectID := "offer", tok.OfferID
	if tok.OfferID == "" { // authorization code flow without an offer
		subjectType, subjectID = "access_token", tok.ID
	}
	ev := audit.New(ctx, now, "credential."+req.Event, subjectType, subjectID, map[string]string{"notification_id": req.NotificationID})
	if req.Event == EventCredentialAccepted {
		// A repeated notification is idempotent in the store and sends the
		// event again (a new event id): receivers de-duplicate by data,
		// deliveries are at least once anyway.
		if err := s.publish(&ev, WebhookEvent{Type: WebhookCredentialAccepted, OfferID: tok.OfferID}); err != nil {
			return err
		}
	}
	err := s.Store.RecordNotification(ctx, tok.ID, req.NotificationID, req.Event, now, ev)
	if errors.Is(err, ErrNotFound) {
		return badRequest(CodeInvalidNotificationID, "unknown notification_id for this access token")
	} else if err != nil {
		return err
	}
	s.queued(&ev)
	return nil
}
