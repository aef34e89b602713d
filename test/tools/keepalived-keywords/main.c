/* Runs the registrations of every keepalived process with its blocks active. */
void print_keywords(void);

int main(void)
{
	init_global_keywords(true);
	init_vrrp_keywords(true);
	init_check_keywords(true);
	init_bfd_keywords(true);
	add_track_file_keywords(true);
	print_keywords();
	return 0;
}
