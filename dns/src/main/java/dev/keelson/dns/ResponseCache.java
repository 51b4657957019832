package dev.keelson.dns;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Upstream answers by question, least recently used first out, at most {@code capacity} of them, each for the
 * smallest TTL of its records (a negative answer for its SOA's minimum, RFC 2308), capped as CoreDNS's cache plugin
 * caps them (1 h for answers, 30 min for denials). A hit is served with the TTLs counted down.
 */
public final class ResponseCache {
    static final long MAX_TTL = 3600;
    static final long MAX_NEGATIVE_TTL = 1800;
    /** A denial without an SOA to say how long: kept briefly. */
    static final long DEFAULT_NEGATIVE_TTL = 5;

    private record Entry(Message answer, long storedNanos, long ttlSeconds) {}

    private final LinkedHashMap<String, Entry> entries;
    private final LongSupplier nanos;

    public ResponseCache(int capacity) {
        this(capacity, System::nanoTime);
    }

    ResponseCache(int capacity, LongSupplier nanos) {
        this.nanos = nanos;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > capacity;
            }
        };
    }

    private static String key(Message query) {
        Record q = query.getQuestion();
        return q.getName().toString().toLowerCase(Locale.ROOT) + '/' + q.getType() + '/' + q.getDClass();
    }

    /** The cached answer with its TTLs reduced by the time it spent here, or null. */
    public Message get(Message query) {
        if (query.getQuestion() == null) {
            return null;
        }
        Entry e;
        synchronized (entries) {
            e = entries.get(key(query));
        }
        if (e == null) {
            return null;
        }
        long age = (nanos.getAsLong() - e.storedNanos) / 1_000_000_000L;
        if (age >= e.ttlSeconds) {
            synchronized (entries) {
                entries.remove(key(query), e);
            }
            return null;
        }
        Message copy = new Message(e.answer.getHeader().getID());
        copy.setHeader(e.answer.getHeader().clone());
        copy.addRecord(e.answer.getQuestion(), Section.QUESTION);
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            for (Record r : e.answer.getSection(section)) {
                if (r.getType() != Type.OPT) {
                    copy.addRecord(Record.newRecord(r.getName(), r.getType(), r.getDClass(),
                            Math.max(0, r.getTTL() - age), r.rdataToWireCanonical()), section);
                }
            }
        }
        return copy;
    }

    /** Keeps a NOERROR or NXDOMAIN answer that was not truncated, for as long as its records say. */
    public void put(Message query, Message answer) {
        int rcode = answer.getHeader().getRcode();
        if (query.getQuestion() == null || answer.getHeader().getFlag(org.xbill.DNS.Flags.TC)
                || (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN)) {
            return;
        }
        long ttl = ttlOf(answer);
        if (ttl <= 0) {
            return;
        }
        synchronized (entries) {
            entries.put(key(query), new Entry(answer, nanos.getAsLong(), ttl));
        }
    }

    static long ttlOf(Message answer) {
        var records = answer.getSection(Section.ANSWER);
        if (!records.isEmpty() && answer.getHeader().getRcode() == Rcode.NOERROR) {
            long min = MAX_TTL;
            for (Record r : records) {
                min = Math.min(min, r.getTTL());
            }
            for (Record r : answer.getSection(Section.AUTHORITY)) {
                min = Math.min(min, r.getTTL());
            }
            return min;
        }
        for (Record r : answer.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(MAX_NEGATIVE_TTL, Math.min(soa.getTTL(), soa.getMinimum()));
            }
        }
        return DEFAULT_NEGATIVE_TTL;
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
