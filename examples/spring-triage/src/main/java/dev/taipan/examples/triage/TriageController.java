package dev.taipan.examples.triage;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** {@code POST /triage {"ticket": "..."}} → {@code {"category", "priority", "reply"}}. */
@RestController
public class TriageController {
    /** The request body. */
    public record Ticket(String ticket) {
    }

    private final TriageService service;

    public TriageController(TriageService service) {
        this.service = service;
    }

    @PostMapping("/triage")
    public TriageService.Triage triage(@RequestBody Ticket ticket) {
        if (ticket == null || ticket.ticket() == null || ticket.ticket().isBlank()) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "the body must be {\"ticket\": \"<text>\"}");
        }
        return service.triage(ticket.ticket());
    }
}
