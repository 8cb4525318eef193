/* confdefs.h */
#define PACKAGE_NAME "libmmtk"
#define PACKAGE_TARNAME "libmmtk"
#define PACKAGE_VERSION "0.1.0"
#define PACKAGE_STRING "libmmtk 0.1.0"
#define PACKAGE_BUGREPORT "https://github.com/libmmtk/libmmtk/issues"
#define PACKAGE_URL ""
#define PACKAGE "libmmtk"
#define VERSION "0.1.0"
/* end confdefs.h.  */

int
main (void)
{

  ;
  return 0;
}
