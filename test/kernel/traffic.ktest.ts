// Real traffic through the guest's IPVS comes next (NAT, DR, TUN).
export {};
