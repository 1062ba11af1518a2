#!/usr/bin/env python3
"""A hostile capture for the passive reader's memory bounds (BENCHMARKS.md).

N HTTP replies each announcing Content-Length: 900000 and sending SEGS
segments of it, interleaved so every stream is open at once. Writes a
classic pcap file; sends nothing anywhere.

    scripts/hostile-pcap.py 4000 45 hostile.pcap
"""
import struct, sys
N=int(sys.argv[1]); SEGS=int(sys.argv[2]); out=open(sys.argv[3],'wb')
out.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return (~s)&0xffff
def frame(src,dst,sport,dport,seq,flags,payload,t):
    tcp=struct.pack('!HHIIBBHHH',sport,dport,seq,0,5<<4,flags,65535,0,0)+payload
    ip=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(tcp),0,0,64,6,0,bytes(src),bytes(dst))
    ip=ip[:10]+struct.pack('!H',csum(ip))+ip[12:]
    eth=b'\x02\0\0\0\0\x01'+b'\x02\0\0\0\0\x02'+b'\x08\x00'
    f=eth+ip+tcp
    out.write(struct.pack('<IIII',t,0,len(f),len(f))); out.write(f)
pad=b'a'*1389
for i in range(N):
    srv=[10,1,i>>8,i&255]
    frame(srv,[10,0,0,2],80,40000,5000,0x12,b'',1)  # SYN-ACK from server
for k in range(SEGS):
    for i in range(N):
        srv=[10,1,i>>8,i&255]
        p = b'HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 900000\r\n\r\n' if k==0 else pad
        seq = 5001 if k==0 else 5001+54+(k-1)*len(pad)
        frame(srv,[10,0,0,2],80,40000,seq,0x18,p,2+k)
