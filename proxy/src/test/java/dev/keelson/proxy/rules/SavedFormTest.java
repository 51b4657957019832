package dev.keelson.proxy.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The forms expected here are what iptables-nft-save 1.8.9 printed for these rules on the kernel. */
class SavedFormTest {
    @Test
    void addressAndProtocolMatchesMoveToTheFront() {
        assertEquals("-A KEELSON-SVC-X ! -s 10.244.0.0/16 -d 10.100.1.128/32 -p tcp -m comment --comment"
                        + " \"bench/svc-377:http cluster IP\" -m tcp --dport 80 -j KEELSON-MARK-MASQ",
                SavedForm.of("-A KEELSON-SVC-X -m comment --comment \"bench/svc-377:http cluster IP\" ! -s"
                        + " 10.244.0.0/16 -d 10.100.1.128/32 -p tcp -m tcp --dport 80 -j KEELSON-MARK-MASQ"));
        assertEquals("-A KEELSON-SERVICES ! -d 127.0.0.0/8 -m comment --comment \"keelson service nodeports;"
                        + " must be last\" -m addrtype --dst-type LOCAL -j KEELSON-NODEPORTS",
                SavedForm.of("-A KEELSON-SERVICES -m comment --comment \"keelson service nodeports; must be last\""
                        + " -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KEELSON-NODEPORTS"));
    }

    @Test
    void probabilityIsPrintedAsTheKernelKeepsIt() {
        assertEquals("0.33333333349", SavedForm.probability("0.3333333333"));
        assertEquals("0.50000000000", SavedForm.probability("0.5000000000"));
        assertEquals("0.20000000019", SavedForm.probability("0.2000000000"));
        assertEquals("0.14285714272", SavedForm.probability("0.1428571429"));
        assertEquals("0.00999999978", SavedForm.probability("0.0100000000"));
    }

    @Test
    void recentMarkAndCommentTakeTheirCanonicalShape() {
        assertEquals("-A KEELSON-X1 -m comment --comment \"a -> 1.2.3.4:80\" -m recent --rcheck --seconds 10800"
                        + " --reap --name KEELSON-X2 --mask 255.255.255.255 --rsource -j KEELSON-X2",
                SavedForm.of("-A KEELSON-X1 -m comment --comment \"a -> 1.2.3.4:80\" -m recent --name KEELSON-X2"
                        + " --mask 255.255.255.255 --rcheck --seconds 10800 --reap -j KEELSON-X2"));
        assertEquals("-A KEELSON-X2 -p udp -m comment --comment a -m recent --set --name KEELSON-X2 --mask"
                        + " 255.255.255.255 --rsource -m udp -j DNAT --to-destination 1.2.3.4:53",
                SavedForm.of("-A KEELSON-X2 -m comment --comment \"a\" -m recent --name KEELSON-X2 --mask"
                        + " 255.255.255.255 --set -p udp -m udp -j DNAT --to-destination 1.2.3.4:53"));
        assertEquals("-A KEELSON-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
                SavedForm.of("-A KEELSON-MARK-MASQ -j MARK --or-mark 0x4000"));
    }
}
