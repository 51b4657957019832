package dev.keelson.dns;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Turns one DNS query off the wire into the bytes of its answer: names of the cluster domain (and the PTR names of
 * cluster addresses) from the {@link ClusterZone}, every other name through the {@link Upstream}. Hostile input
 * never escapes as an exception: a datagram that is not a query is dropped, one that does not parse is FORMERR,
 * other opcodes NOTIMP, other classes and zone transfers REFUSED.
 */
public final class DnsAnswerer {
    /** Largest UDP answer whatever the client's EDNS buffer says (the DNS flag day 2020 figure). */
    static final int MAX_UDP = 1232;
    static final int MIN_UDP = 512;
    static final int MAX_TCP = 65535;

    /** Resolves a name outside the cluster; completes exceptionally when no upstream answered. */
    public interface Upstream {
        CompletionStage<Message> resolve(Message query, boolean tcp);
    }

    private final Supplier<ClusterZone> zone;
    private final Upstream upstream;
    private final DnsMetrics metrics;

    public DnsAnswerer(Supplier<ClusterZone> zone, Upstream upstream, DnsMetrics metrics) {
        this.zone = zone;
        this.upstream = upstream;
        this.metrics = metrics;
    }

    /**
     * The answer's wire bytes, or null to drop the datagram (not a query). Completes at once for cluster names.
     *
     * @param tcp whether the query came over TCP (no truncation but at 64 KiB)
     */
    public CompletionStage<byte[]> handle(byte[] packet, boolean tcp) {
        if (packet.length < Header.LENGTH || (packet[2] & 0x80) != 0) {
            metrics.dropped();
            return CompletableFuture.completedFuture(null);
        }
        Message query;
        try {
            query = new Message(packet);
        } catch (IOException | RuntimeException e) {
            metrics.answered(Rcode.FORMERR, false);
            return done(headerOnly(packet, Rcode.FORMERR));
        }
        Header header = query.getHeader();
        if (header.getOpcode() != Opcode.QUERY) {
            metrics.answered(Rcode.NOTIMP, false);
            return done(headerOnly(packet, Rcode.NOTIMP));
        }
        Record question = query.getQuestion();
        if (header.getCount(Section.QUESTION) != 1 || question == null) {
            metrics.answered(Rcode.FORMERR, false);
            return done(headerOnly(packet, Rcode.FORMERR));
        }
        OPTRecord opt = query.getOPT();
        int limit = tcp ? MAX_TCP : opt == null ? MIN_UDP : Math.max(MIN_UDP, Math.min(opt.getPayloadSize(), MAX_UDP));
        Message response = reply(query);
        if (opt != null && opt.getVersion() != 0) {
            // RFC 6891: BADVERS is extended rcode 16, carried in the OPT record
            response.addRecord(new OPTRecord(MAX_UDP, Rcode.BADVERS >>> 4, 0), Section.ADDITIONAL);
            metrics.answered(Rcode.BADVERS, false);
            return done(response.toWire(limit));
        }
        int type = question.getType();
        int rcode = refusal(question.getDClass(), type);
        if (rcode != Rcode.NOERROR) {
            response.getHeader().setRcode(rcode);
            metrics.answered(rcode, false);
            return done(encode(response, opt, limit));
        }
        ClusterZone z = zone.get();
        ClusterZone.Lookup found = z.lookup(question.getName(), type);
        if (found.kind() == ClusterZone.Kind.NOT_OURS) {
            return forward(query, response, opt, limit, tcp);
        }
        response.getHeader().setFlag(Flags.AA);
        switch (found.kind()) {
            case ANSWER -> {
                found.answer().forEach(r -> response.addRecord(r, Section.ANSWER));
                found.additional().forEach(r -> response.addRecord(r, Section.ADDITIONAL));
                Name outside = outsideCnameTarget(z, found.answer(), type);
                if (outside != null) {
                    return chase(response, outside, type, opt, limit, tcp);
                }
            }
            case NODATA -> response.addRecord(z.soa(), Section.AUTHORITY);
            case NXDOMAIN -> {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
                response.addRecord(z.soa(), Section.AUTHORITY);
            }
            default -> throw new IllegalStateException();
        }
        metrics.answered(response.getHeader().getRcode(), false);
        return done(encode(response, opt, limit));
    }

    /** Class IN and ordinary types only: meta types are FORMERR, zone transfers and other classes REFUSED. */
    private static int refusal(int dclass, int type) {
        if (type == Type.OPT || type == Type.TSIG || type == Type.TKEY) {
            return Rcode.FORMERR;
        }
        if (type == Type.MAILA || type == Type.MAILB) {
            return Rcode.NOTIMP;
        }
        if (dclass != DClass.IN || type == Type.AXFR || type == Type.IXFR) {
            return Rcode.REFUSED;
        }
        return Rcode.NOERROR;
    }

    private CompletionStage<byte[]> forward(Message query, Message response, OPTRecord opt, int limit, boolean tcp) {
        CompletionStage<Message> answer;
        try {
            answer = upstream.resolve(query, tcp);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((upstreamAnswer, error) -> {
            if (error != null || upstreamAnswer == null) {
                response.getHeader().setRcode(Rcode.SERVFAIL);
                metrics.answered(Rcode.SERVFAIL, true);
                return encode(response, opt, limit);
            }
            Message out = relay(query, upstreamAnswer, opt);
            metrics.answered(out.getHeader().getRcode(), true);
            return out.toWire(limit);
        });
    }

    /** An ExternalName's CNAME: the target's records are looked up upstream and follow the CNAME. */
    private CompletionStage<byte[]> chase(Message response, Name target, int type, OPTRecord opt, int limit, boolean tcp) {
        Message sub = Message.newQuery(Record.newRecord(target, type, DClass.IN));
        sub.getHeader().setFlag(Flags.RD);
        CompletionStage<Message> answer;
        try {
            answer = upstream.resolve(sub, tcp);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((m, error) -> {
            if (error == null && m != null) {
                for (Record r : m.getSection(Section.ANSWER)) {
                    response.addRecord(r, Section.ANSWER);
                }
            }
            metrics.answered(Rcode.NOERROR, false);
            return encode(response, opt, limit);
        });
    }

    private static Name outsideCnameTarget(ClusterZone z, List<Record> answer, int type) {
        if (type == Type.CNAME || type == Type.ANY || answer.size() != 1 || !(answer.get(0) instanceof CNAMERecord c)) {
            return null;
        }
        return z.inZone(c.getTarget()) ? null : c.getTarget();
    }

    /** The upstream's answer to the client's question, under the client's id, with the client's EDNS size. */
    static Message relay(Message query, Message upstreamAnswer, OPTRecord clientOpt) {
        Message out = new Message(query.getHeader().getID());
        Header h = out.getHeader();
        Header from = upstreamAnswer.getHeader();
        h.setFlag(Flags.QR);
        for (int flag : new int[] {Flags.AA, Flags.TC, Flags.RD, Flags.RA, Flags.AD, Flags.CD}) {
            if (from.getFlag(flag)) {
                h.setFlag(flag);
            }
        }
        if (query.getHeader().getFlag(Flags.RD)) {
            h.setFlag(Flags.RD);
        }
        h.setRcode(from.getRcode());
        out.addRecord(query.getQuestion(), Section.QUESTION);
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            for (Record r : upstreamAnswer.getSection(section)) {
                if (r.getType() != Type.OPT) {
                    out.addRecord(r, section);
                }
            }
        }
        if (clientOpt != null) {
            out.addRecord(new OPTRecord(MAX_UDP, 0, 0), Section.ADDITIONAL);
        }
        return out;
    }

    /** A response with the query's id, question, RD, and RA (this server recurses for its clients). */
    private static Message reply(Message query) {
        Message response = new Message(query.getHeader().getID());
        Header h = response.getHeader();
        h.setFlag(Flags.QR);
        h.setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            h.setFlag(Flags.RD);
        }
        response.addRecord(query.getQuestion(), Section.QUESTION);
        return response;
    }

    private static byte[] encode(Message response, OPTRecord clientOpt, int limit) {
        if (clientOpt != null) {
            response.addRecord(new OPTRecord(MAX_UDP, 0, 0), Section.ADDITIONAL);
        }
        return response.toWire(limit);
    }

    /** A 12-byte answer with the query's id and opcode: all a query that did not parse can be told. */
    static byte[] headerOnly(byte[] packet, int rcode) {
        Header h = new Header(((packet[0] & 0xff) << 8) | (packet[1] & 0xff));
        h.setFlag(Flags.QR);
        h.setOpcode((packet[2] >>> 3) & 0xf);
        if ((packet[2] & 0x01) != 0) {
            h.setFlag(Flags.RD);
        }
        h.setRcode(rcode);
        return h.toWire();
    }

    private static CompletionStage<byte[]> done(byte[] bytes) {
        return CompletableFuture.completedFuture(bytes);
    }
}
