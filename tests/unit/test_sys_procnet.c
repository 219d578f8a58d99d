/*
 * /proc/net parsers on text recorded on this project's build machine (Linux 6.18, x86_64),
 * plus a read of the live files: netstat/snmp counters, sockstat, softnet_stat, uname.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sys/host.h"
#include "sys/netstat.h"
#include "sys/sockstat.h"
#include "sys/softnet.h"

/* Recorded from /proc/net/netstat and /proc/net/snmp on Linux 6.18.44. */
static const char netstat_6_18[] =
	"TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled "
	"RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled "
	"PAWSActive PAWSEstab BeyondWindow TSEcrRejected PAWSOldAck PAWSTimewait DelayedACKs "
	"DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks "
	"TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPRenoReorder "
	"TCPTSReorder TCPFullUndo TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit "
	"TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans TCPSlowStartRetrans "
	"TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail TCPSackRecoveryFail "
	"TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv "
	"TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout "
	"TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono "
	"TCPSACKDiscard TCPDSACKIgnoredOld TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound "
	"TCPMD5Unexpected TCPMD5Failure TCPSackShifted TCPSackMerged TCPSackShiftFallback "
	"TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter "
	"TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce "
	"TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive "
	"TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail "
	"TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole "
	"TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv "
	"TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent "
	"TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd "
	"TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 "
	"TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail "
	"TCPMTUPSuccess TCPDelivered TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop "
	"TCPRcvQDrop TCPWqueueTooBig TCPFastOpenPassiveAltKey TcpTimeoutRehash "
	"TcpDuplicateDataRehash TCPDSACKRecvSegs TCPDSACKIgnoredDubious TCPMigrateReqSuccess "
	"TCPMigrateReqFailure TCPPLBRehash TCPAORequired TCPAOBad TCPAOKeyNotFound TCPAOGood "
	"TCPAODroppedIcmps\n"
	"TcpExt: 0 0 0 0 0 0 0 0 0 0 118 0 0 0 2 0 0 0 0 306 0 258 0 0 107190 179652 132554 0 86 "
	"0 101 0 20 35 20 24 0 1 0 0 0 110 0 2 916 3 0 0 0 415913 259 0 253 0 183 41 0 0 0 0 0 0 "
	"0 15 166 0 0 0 0 3 27 143 0 0 0 0 0 0 0 0 0 323759 171 0 0 0 0 0 0 0 0 0 0 0 2 0 1 1256 "
	"1256 11571 0 1663189 3 56 0 0 0 0 0 0 0 0 0 0 0 0 1662719 0 0 0 0 0 0 2 0 271 0 0 0 0 0 "
	"0 0 0 0\n"
	"IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts "
	"InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets "
	"InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps\n"
	"IpExt: 0 0 0 0 0 0 94077714675 94037385844 0 0 0 0 0 1885707 0 0 0 0\n"
	"MPTcpExt: MPCapableSYNRX MPCapableSYNTX MPCapableSYNACKRX MPCapableACKRX "
	"MPCapableFallbackACK MPCapableFallbackSYNACK MPCapableSYNTXDrop MPCapableSYNTXDisabled "
	"MPCapableEndpAttempt MPFallbackTokenInit MPTCPRetrans MPJoinNoTokenFound MPJoinSynRx "
	"MPJoinSynBackupRx MPJoinSynAckRx MPJoinSynAckBackupRx MPJoinSynAckHMacFailure "
	"MPJoinAckRx MPJoinAckHMacFailure MPJoinRejected MPJoinSynTx MPJoinSynTxCreatSkErr "
	"MPJoinSynTxBindErr MPJoinSynTxConnectErr DSSNotMatching DSSCorruptionFallback "
	"DSSCorruptionReset InfiniteMapTx InfiniteMapRx DSSNoMatchTCP DataCsumErr OFOQueueTail "
	"OFOQueue OFOMerge NoDSSInWindow DuplicateData AddAddr AddAddrTx AddAddrTxDrop EchoAdd "
	"EchoAddTx EchoAddTxDrop PortAdd AddAddrDrop MPJoinPortSynRx MPJoinPortSynAckRx "
	"MPJoinPortAckRx MismatchPortSynRx MismatchPortAckRx RmAddr RmAddrDrop RmAddrTx "
	"RmAddrTxDrop RmSubflow MPPrioTx MPPrioRx MPFailTx MPFailRx MPFastcloseTx MPFastcloseRx "
	"MPRstTx MPRstRx SubflowStale SubflowRecover SndWndShared RcvWndShared "
	"RcvWndConflictUpdate RcvWndConflict MPCurrEstab Blackhole MPCapableDataFallback "
	"MD5SigFallback DssFallback SimultConnectFallback FallbackFailed WinProbe\n"
	"MPTcpExt: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
	"0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

static const char snmp_6_18[] =
	"Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams "
	"InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout "
	"ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits\n"
	"Ip: 2 64 1885490 0 0 0 0 0 1885490 1493603 0 0 0 0 0 0 0 0 0 1493603\n"
	"Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs "
	"InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps "
	"OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds "
	"OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps "
	"OutTimestampReps OutAddrMasks OutAddrMaskReps\n"
	"Icmp: 1 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"IcmpMsg: InType3\n"
	"IcmpMsg: 1\n"
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
	"EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
	"Tcp: 1 200 120000 -1 344 332 1 388 0 1998008 1997758 279 0 226 0\n"
	"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors "
	"IgnoredMulti MemErrors\n"
	"Udp: 26 0 0 27 0 0 0 0 0\n"
	"UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors "
	"InCsumErrors IgnoredMulti MemErrors\n"
	"UdpLite: 0 0 0 0 0 0 0 0 0\n";

static void test_netstat_recorded(void **state)
{
	(void)state;
	struct tl_netstat ns = { 0 };
	struct tl_err err = { 0 };
	int64_t v = -1;
	assert_int_equal(tl_netstat_parse(netstat_6_18, &ns, &err), 0);
	/* 135 TcpExt + 18 IpExt + 76 MPTcpExt fields on this kernel. */
	assert_int_equal(ns.n, 135 + 18 + 76);
	assert_int_equal(tl_netstat_get(&ns, "TcpExt", "TW", &v), 0);
	assert_int_equal(v, 118);
	assert_int_equal(tl_netstat_get(&ns, "TcpExt", "ListenOverflows", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tl_netstat_get(&ns, "TcpExt", "DelayedACKs", &v), 0);
	assert_int_equal(v, 306);
	assert_int_equal(tl_netstat_get(&ns, "TcpExt", "TCPDelivered", &v), 0);
	assert_int_equal(v, 1662719);
	assert_int_equal(tl_netstat_get(&ns, "IpExt", "InOctets", &v), 0);
	assert_int_equal(v, 94077714675LL);
	assert_int_equal(tl_netstat_get(&ns, "TcpExt", "InOctets", &v), -ENOENT);
	assert_int_equal(tl_netstat_get(&ns, "TcpExt", "NoSuchCounter", &v), -ENOENT);
	tl_netstat_free(&ns);
	tl_netstat_free(NULL);
}

static void test_snmp_recorded(void **state)
{
	(void)state;
	struct tl_netstat ns = { 0 };
	int64_t v = 0;
	assert_int_equal(tl_netstat_parse(snmp_6_18, &ns, NULL), 0);
	/* Tcp MaxConn is printed as -1: the one signed field. */
	assert_int_equal(tl_netstat_get(&ns, "Tcp", "MaxConn", &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(tl_netstat_get(&ns, "Tcp", "RtoMax", &v), 0);
	assert_int_equal(v, 120000);
	/* The same name in two groups stays apart. */
	assert_int_equal(tl_netstat_get(&ns, "Icmp", "InErrors", &v), 0);
	tl_netstat_free(&ns);
}

static void test_netstat_malformed(void **state)
{
	(void)state;
	struct tl_netstat ns = { 0 };
	struct tl_err err = { 0 };
	assert_int_equal(tl_netstat_parse("TcpExt: A B C\nTcpExt: 1 2\n", &ns, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "fewer values"));
	tl_netstat_free(&ns);
	assert_int_equal(tl_netstat_parse("TcpExt: A B\nTcpExt: 1 2 3\n", &ns, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more values"));
	tl_netstat_free(&ns);
	assert_int_equal(tl_netstat_parse("TcpExt: A B\n", &ns, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no value line"));
	tl_netstat_free(&ns);
	assert_int_equal(tl_netstat_parse("TcpExt: A B\nIpExt: 1 2\n", &ns, &err), -EINVAL);
	tl_netstat_free(&ns);
	assert_int_equal(tl_netstat_parse("TcpExt: A\nTcpExt: x\n", &ns, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"x\" is not a number"));
	tl_netstat_free(&ns);
	/* No trailing newline is fine. */
	assert_int_equal(tl_netstat_parse("TcpExt: A\nTcpExt: 7", &ns, &err), 0);
	assert_int_equal(ns.n, 1);
	tl_netstat_free(&ns);
}

static void test_netstat_live_and_delta(void **state)
{
	(void)state;
	struct tl_netstat a = { 0 }, b = { 0 };
	struct tl_err err = { 0 };
	int64_t x, y;
	assert_int_equal(tl_netstat_read("/proc/net/netstat", &a, &err), 0);
	assert_int_equal(tl_netstat_read("/proc/net/netstat", &b, &err), 0);
	assert_int_equal(tl_netstat_get(&a, "TcpExt", "ListenDrops", &x), 0);
	assert_int_equal(tl_netstat_get(&b, "TcpExt", "ListenDrops", &y), 0);
	assert_true(y >= x);
	tl_netstat_free(&a);
	tl_netstat_free(&b);
	assert_int_equal(tl_netstat_read("/proc/net/no_such_file", &a, &err), -ENOENT);
}

static void test_sockstat(void **state)
{
	(void)state;
	struct tl_sockstat s = { 0 };
	/* Recorded on this machine, and the example line of [K5]'s commit message. */
	const char *mine = "sockets: used 12\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 219\n"
			   "UDP: inuse 0 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n"
			   "TCP6: inuse 0\nUDP6: inuse 0\nUDPLITE6: inuse 0\nRAW6: inuse 0\n"
			   "FRAG6: inuse 0 memory 0\n";
	assert_int_equal(tl_sockstat_parse(mine, &s, NULL), 0);
	assert_true(s.have_tcp && s.have_tcp6);
	assert_int_equal(s.tcp_mem_pages, 219);
	memset(&s, 0, sizeof(s));
	assert_int_equal(tl_sockstat_parse("TCP: inuse 203 orphan 0 tw 19 alloc 414 mem 1364904\n",
					   &s, NULL), 0);
	assert_int_equal(s.tcp_inuse, 203);
	assert_int_equal(s.tcp_tw, 19);
	assert_int_equal(s.tcp_alloc, 414);
	assert_int_equal(s.tcp_mem_pages, 1364904);
	assert_false(s.have_tcp6);
	struct tl_err err = { 0 };
	memset(&s, 0, sizeof(s));
	assert_int_equal(tl_sockstat_parse("TCP: inuse 1 orphan 0\n", &s, &err), -EINVAL);
	assert_int_equal(tl_sockstat_parse("UDP: inuse 0 mem 0\n", &s, &err), -EINVAL);
	memset(&s, 0, sizeof(s));
	assert_int_equal(tl_sockstat_read(&s, &err), 0);
	assert_true(s.have_tcp);
}

static void test_softnet(void **state)
{
	(void)state;
	struct tl_softnet s;
	/* Recorded (two CPUs, 15 columns of hex); a drop of 0x10 added on the second CPU. */
	const char *text =
		"0000000e 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
		"00000000 00000000 00000000 00000000 00000000 00000000\n"
		"00000200 00000010 00000003 00000000 00000000 00000000 00000000 00000000 00000000 "
		"00000000 00000000 00000000 00000001 00000000 00000000\n";
	assert_int_equal(tl_softnet_parse(text, &s, NULL), 0);
	assert_int_equal(s.cpus, 2);
	assert_int_equal(s.processed, 0x20e);
	assert_int_equal(s.dropped, 16);
	assert_int_equal(s.time_squeeze, 3);
	assert_int_equal(tl_softnet_parse("", &s, NULL), -EINVAL);
	assert_int_equal(tl_softnet_parse("zz\n", &s, NULL), -EINVAL);
	assert_int_equal(tl_softnet_read(&s, NULL), 0);
	assert_true(s.cpus >= 1);
}

static void test_host(void **state)
{
	(void)state;
	unsigned a, b;
	assert_int_equal(tl_host_kernel_parse("6.18.44-fc-v657", &a, &b), 0);
	assert_int_equal(a, 6);
	assert_int_equal(b, 18);
	assert_int_equal(tl_host_kernel_parse("5.4.0-150-generic", &a, &b), 0);
	assert_int_equal(b, 4);
	assert_int_equal(tl_host_kernel_parse("6", &a, &b), -EINVAL);
	assert_int_equal(tl_host_kernel_parse("x.y", &a, &b), -EINVAL);
	struct tl_host h;
	assert_int_equal(tl_host_read(&h, NULL), 0);
	assert_true(h.kernel_major >= 4);
	assert_true(h.netns_inode != 0);
	assert_true(h.page_size >= 4096);
	assert_true(h.nofile_soft > 0);
	assert_true(tl_host_kernel_at_least(&h, 4, 0));
	assert_false(tl_host_kernel_at_least(&h, 99, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netstat_recorded),
		cmocka_unit_test(test_snmp_recorded),
		cmocka_unit_test(test_netstat_malformed),
		cmocka_unit_test(test_netstat_live_and_delta),
		cmocka_unit_test(test_sockstat),
		cmocka_unit_test(test_softnet),
		cmocka_unit_test(test_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
